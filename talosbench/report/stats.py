"""Significance tests of the accuracy table: paired Wilcoxon, paired t-test, Holm correction."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from talosbench.results import read_per_user

MIN_SEEDS = 2
"""Fewest shared seeds for a per-user test: one seed's users all share one trained model."""
TESTS = (
    "paired Wilcoxon signed-rank test over users (each user's value averaged over the seeds both cells "
    "share)",
    "paired t-test over the per-seed means (3 seeds or more)",
)
"""What ``user_test`` and ``ttest`` compute, as a report states its protocol."""
CORRECTION = "Holm–Bonferroni, per metric and per test, across the accuracy table's comparisons"
"""The multiple-comparison correction the accuracy table applies."""


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    m = len(pvalues)
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: pvalues[i])):
        running = max(running, min(1.0, (m - rank) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def wilcoxon(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided paired Wilcoxon signed-rank p-value; 1.0 when every pair is equal, NaN when empty."""
    if len(a) == 0:
        return math.nan
    if np.all(a == b):
        return 1.0
    from scipy import stats  # half a second to import: only when a test runs, not with the CLI

    return float(stats.wilcoxon(a, b).pvalue)


def ttest(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided paired t-test p-value over seeds; NaN below two pairs."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(diff) < 2:
        return math.nan
    if np.ptp(diff) <= 1e-12 * max(1.0, float(np.abs(diff).max())):
        # Zero spread: the t statistic is 0 (no difference) or unbounded (a constant difference).
        return 1.0 if diff[0] == 0 else 0.0
    from scipy import stats

    return float(stats.ttest_rel(a, b).pvalue)


def per_user_means(
    left: pl.DataFrame, right: pl.DataFrame, metric: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-user values of two cells' runs, paired on (seed, user), then averaged per user over the seeds.

    The user is the unit of replication: pooling the (seed, user) pairs instead would count each user
    once per seed, with correlated differences, and make the Wilcoxon test far too eager. Also returns
    how many seeds both cells share.
    """
    frames: list[pl.DataFrame] = []
    right_paths = dict(zip(right["seed"].to_list(), right["path"].to_list(), strict=True))
    for seed, path in zip(left["seed"].to_list(), left["path"].to_list(), strict=True):
        if seed not in right_paths:
            continue
        x, y = read_per_user(path), read_per_user(right_paths[seed])
        if metric not in x.columns or metric not in y.columns:
            continue
        frames.append(
            x.select("user", pl.col(metric).cast(pl.Float64).alias("a")).join(
                y.select("user", pl.col(metric).cast(pl.Float64).alias("b")), on="user", how="inner"
            )
        )
    a, b = mean_over_seeds(frames)
    return a, b, len(frames)


def mean_over_seeds(seeds: Sequence[pl.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """Each user's mean ``a`` and ``b`` over the seeds' (user, a, b) frames, ordered by user."""
    if not seeds:
        return np.empty(0), np.empty(0)
    means = pl.concat(seeds).group_by("user").agg(pl.col("a").mean(), pl.col("b").mean()).sort("user")
    return means["a"].to_numpy(), means["b"].to_numpy()


def user_test(a: np.ndarray, b: np.ndarray, seeds: int) -> float:
    """Wilcoxon on per-user means over ``seeds`` seeds; NaN below MIN_SEEDS (one run says nothing)."""
    return wilcoxon(a, b) if seeds >= MIN_SEEDS else math.nan
