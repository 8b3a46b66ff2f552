"""Significance over runs: the t-tests against SciPy, Holm and the marks, bootstrap intervals, power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from talosbench.report import stats


def test_holm_known_values() -> None:
    # sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert stats.holm([]) == []


def test_seed_test_is_scipys_paired_and_welch_test() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.10, 0.01, 5), rng.normal(0.11, 0.01, 5)
    paired = stats.seed_test(a, b, paired=True)
    assert paired.pvalue == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue)
    assert paired.statistic == pytest.approx(scipy_stats.ttest_rel(a, b).statistic)
    welch = stats.seed_test(a, b[:4], paired=False)
    assert welch.pvalue == pytest.approx(scipy_stats.ttest_ind(a, b[:4], equal_var=False).pvalue)
    # Vectorised: rows are separate comparisons, each as if tested alone.
    rows = stats.seed_test(np.stack([a, b]), np.stack([b, a]), paired=True)
    assert rows.pvalue == pytest.approx([paired.pvalue] * 2) and rows.statistic[1] == pytest.approx(
        -paired.statistic
    )


def test_seed_test_without_spread() -> None:
    constant = stats.seed_test([0.3, 0.31, 0.32], [0.2, 0.21, 0.22], paired=True)
    assert constant.pvalue == 0.0 and constant.statistic == math.inf
    same = stats.seed_test([0.2, 0.2, 0.2], [0.2, 0.2, 0.2], paired=False)
    assert same.pvalue == 1.0 and same.statistic == 0.0
    assert stats.seed_test([0.50, 0.56, 0.53], [0.55, 0.54, 0.56], paired=True).pvalue > 0.3


def test_verdicts_correct_one_family_and_take_the_direction_from_the_statistic() -> None:
    adjusted, marks = stats.verdicts([-5.0, 3.0, 2.0, 9.0], [0.001, 0.5, math.nan, 0.01])
    # Holm over the three tested: 0.001 * 3, 0.01 * 2, 0.5; the untested one stays out and unmarked.
    assert adjusted[:2] == pytest.approx([0.003, 0.5]) and math.isnan(adjusted[2])
    assert adjusted[3] == pytest.approx(0.02)
    assert marks == [-1, 0, 0, 1]


def test_bootstrap_resamples_runs_and_keeps_seed_pairs() -> None:
    a, b = np.array([0.30, 0.31, 0.35]), np.array([0.20, 0.21, 0.25])
    paired = stats.bootstrap(a, b, paired=True)
    # Drawn by seed, every resample's difference is exactly 0.1; P(A > B) is 1 in each.
    assert paired.difference == pytest.approx((0.1, 0.1))
    assert paired.p_better == 1.0 and paired.p_better_interval == (1.0, 1.0)
    low, high = paired.improvement  # type: ignore[misc]
    assert low == pytest.approx(100 * 0.1 / 0.25) and low < high <= 100 * 0.1 / 0.20
    unpaired = stats.bootstrap(a, b, paired=False)
    assert unpaired.difference[0] < 0.1 < unpaired.difference[1]
    assert stats.bootstrap(a, b, paired=True) == paired  # a fixed seed: the same report every time


def test_p_better_counts_ties_half() -> None:
    assert stats.p_better(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0]), paired=True) == 0.5
    assert stats.p_better(np.array([2.0]), np.array([1.0, 2.0, 3.0]), paired=False) == 0.5


def test_detectable_difference_has_the_stated_power_under_the_real_test() -> None:
    sd, runs = 0.01, 5
    effect = stats.detectable_difference(sd, runs)
    rng = np.random.default_rng(7)
    differences = rng.normal(effect, sd, (20_000, runs))
    power = (
        stats.seed_test(differences, np.zeros_like(differences), paired=True).pvalue < stats.ALPHA
    ).mean()
    assert power == pytest.approx(stats.POWER, abs=0.015)
    assert stats.detectable_difference(sd, 3) > effect > stats.detectable_difference(sd, 10)
    assert stats.detectable_difference(sd, runs, stats.ALPHA / 10) > effect
    assert stats.detectable_difference(sd, 2) > 5 * effect  # one degree of freedom: next to no power


def test_user_share_is_among_users_who_differ() -> None:
    share, count = stats.user_share(np.array([0.0, 0.1, 0.2, 0.0]), np.array([0.0, 0.0, 0.3, 0.0]))
    assert (share, count) == (0.5, 2)
    assert stats.user_share(np.zeros(3), np.zeros(3)) == (None, 0)
