"""Significance helpers: Holm correction, paired Wilcoxon and t-test edge cases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from talosbench.report import stats


def test_holm_known_values() -> None:
    # sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert stats.holm([]) == []


def test_wilcoxon_identical_and_shifted() -> None:
    a = np.linspace(0, 1, 30)
    assert stats.wilcoxon(a, a.copy()) == 1.0
    assert stats.wilcoxon(a + 0.1, a) < 1e-5
    assert math.isnan(stats.wilcoxon(np.empty(0), np.empty(0)))


def test_ttest_edges() -> None:
    assert math.isnan(stats.ttest([0.1], [0.2]))
    assert stats.ttest([0.3, 0.31, 0.32], [0.2, 0.21, 0.22]) == 0.0  # constant difference
    assert stats.ttest([0.2, 0.2, 0.2], [0.2, 0.2, 0.2]) == 1.0
    assert stats.ttest([0.50, 0.56, 0.53], [0.55, 0.54, 0.56]) > 0.3


# The null simulation: two losses with the same distribution, so every "significant" verdict is a false
# positive. Each user has a level shared by both losses, an interaction with each loss that is the same
# in every seed (why a user's differences are correlated across seeds), a small per-(loss, seed) shift
# and noise per run. Settings as in issue 13: 3,000 users, 3 seeds.
USERS, SEEDS, NULL_COMPARISONS = 3000, 3, 200
USER_SD, INTERACTION_SD, SEED_SD, NOISE_SD = 0.1, 0.04, 0.0005, 0.03


def _null_pair(rng: np.random.Generator) -> list[pl.DataFrame]:
    """One null comparison as the report sees it: per seed, a (user, a, b) frame."""
    level = rng.normal(0.2, USER_SD, USERS)
    interaction = {side: rng.normal(0, INTERACTION_SD, USERS) for side in "ab"}

    def run(side: str) -> np.ndarray:
        return level + interaction[side] + rng.normal(0, SEED_SD) + rng.normal(0, NOISE_SD, USERS)

    return [pl.DataFrame({"user": range(USERS), "a": run("a"), "b": run("b")}) for _ in range(SEEDS)]


def null_rates(comparisons: int = NULL_COMPARISONS, alpha: float = 0.05) -> tuple[float, float]:
    """False-positive rates of the old pooled (seed, user) Wilcoxon and of the per-user-mean test."""
    rng = np.random.default_rng(13)
    pooled = per_user = 0
    for _ in range(comparisons):
        seeds = _null_pair(rng)
        both = pl.concat(seeds)
        pooled += stats.wilcoxon(both["a"].to_numpy(), both["b"].to_numpy()) < alpha
        per_user += stats.user_test(*stats.mean_over_seeds(seeds), len(seeds)) < alpha
    return pooled / comparisons, per_user / comparisons


def test_null_false_positive_rate_stays_near_alpha() -> None:
    pooled, per_user = null_rates()
    # 200 comparisons at alpha 0.05: binomial sd 0.015, so 0.09 is about three sd above alpha.
    assert per_user <= 0.09
    assert pooled >= 0.15  # the old test's failure is real in this model, so the simulation can tell


def test_one_seed_gets_no_user_test() -> None:
    a = np.linspace(0, 1, 30)
    assert math.isnan(stats.user_test(a + 0.1, a, 1))
    assert stats.user_test(a + 0.1, a, 2) < 1e-5


if __name__ == "__main__":  # PYTHONPATH=$PWD python tests/report/test_stats.py
    old, new = null_rates()
    print(f"null simulation: {USERS} users, {SEEDS} seeds, {NULL_COMPARISONS} comparisons, alpha 0.05")
    print(f"false-positive rate, old (pooled seed x user pairs): {old:.3f}")
    print(f"false-positive rate, new (per-user means over seeds): {new:.3f}")
