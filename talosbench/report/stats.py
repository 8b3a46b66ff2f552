"""Significance over trained runs: t-tests, Holm's correction, bootstrap intervals, P(A > B), power."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
"""Level of every mark, after Holm's correction; the intervals are at 1 - ALPHA."""
MIN_RUNS = 3
"""Fewest runs per side for a test: with two, a t-test has one degree of freedom and no power."""
POWER = 0.8
"""The power at which the report states the smallest detectable difference."""
RESAMPLES = 4000
"""Bootstrap resamples of the runs (fixed seed: a report prints the same intervals every time)."""
TEST = (
    "t-test over trained runs (each run's mean over its users is one value; paired over seeds when both "
    f"losses have the same seeds, that is the same split and initial state, Welch's otherwise; "
    f"≥ {MIN_RUNS} runs per side)"
)
"""What ``seed_test`` computes, as a report states its protocol."""
CORRECTION = "Holm–Bonferroni over every comparison the accuracy table tests, all metrics together"
"""The multiple-comparison correction the accuracy table applies."""


@dataclass(frozen=True)
class SeedTest:
    """A two-sided t-test of two losses' mean metric over their runs (arrays: one entry per comparison)."""

    statistic: np.ndarray
    """Baseline minus opponent in standard errors: its sign is the direction of a mark."""
    pvalue: np.ndarray
    """Two-sided p-value, before any correction."""
    paired: bool
    """Paired over seeds (True) or Welch's unequal-variance test (False)."""


def seed_test(a: np.ndarray, b: np.ndarray, paired: bool) -> SeedTest:
    """t-test of mean(a) = mean(b) over the last axis (runs); leading axes are separate comparisons.

    ``paired``: ``a[..., i]`` and ``b[..., i]`` are the runs of seed ``i``. Zero spread gives a
    statistic of 0 (no difference, p = 1) or an unbounded one (a constant difference, p = 0).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        diff = a - b
        n = diff.shape[-1]
        mean = diff.mean(axis=-1)
        variance = diff.var(axis=-1, ddof=1) / n
        df = np.full_like(mean, n - 1)
        scale = np.abs(diff).max(axis=-1)
        spread = np.ptp(diff, axis=-1)
    else:
        na, nb = a.shape[-1], b.shape[-1]
        mean = a.mean(axis=-1) - b.mean(axis=-1)
        va, vb = a.var(axis=-1, ddof=1) / na, b.var(axis=-1, ddof=1) / nb
        variance = va + vb
        with np.errstate(divide="ignore", invalid="ignore"):
            df = variance**2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        scale = np.maximum(np.abs(a).max(axis=-1), np.abs(b).max(axis=-1))
        spread = np.maximum(np.ptp(a, axis=-1), np.ptp(b, axis=-1))
    flat = spread <= 1e-12 * np.maximum(1.0, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(flat, np.where(mean == 0, 0.0, np.sign(mean) * np.inf), mean / np.sqrt(variance))
    from scipy import special  # a quarter of a second to import: only when a test runs, not with the CLI

    pvalue = np.where(
        flat, np.where(mean == 0, 1.0, 0.0), 2 * special.stdtr(np.where(flat, 1, df), -np.abs(statistic))
    )
    return SeedTest(statistic, pvalue, paired)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    m = len(pvalues)
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: pvalues[i])):
        running = max(running, min(1.0, (m - rank) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def verdicts(
    statistics: Sequence[float], pvalues: Sequence[float], alpha: float = ALPHA
) -> tuple[list[float], list[int]]:
    """One family's marks: Holm over its tested comparisons (NaN p: untested, left out), then the sign.

    Returns the adjusted p-values (NaN where untested) and each comparison's mark: +1 the baseline is
    significantly better, -1 significantly worse, 0 no mark. The direction is the tested statistic's.
    """
    tested = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    adjusted = [math.nan] * len(pvalues)
    for index, value in zip(tested, holm([pvalues[i] for i in tested]), strict=True):
        adjusted[index] = value
    marks = [int(np.sign(s)) if p < alpha else 0 for s, p in zip(statistics, adjusted, strict=True)]
    return adjusted, marks


@dataclass(frozen=True)
class Intervals:
    """Percentile bootstrap intervals (1 - ALPHA) of one comparison, resampling whole runs."""

    difference: tuple[float, float]
    """Of the difference of the mean metric, baseline minus opponent."""
    improvement: tuple[float, float] | None
    """Of Imp.% (the difference over the opponent's mean, in %); None when that mean can be 0."""
    p_better: float
    """P(A > B): the share of seed pairs where the baseline's run beats the opponent's (ties count half)."""
    p_better_interval: tuple[float, float]


def bootstrap(a: Sequence[float], b: Sequence[float], paired: bool, resamples: int = RESAMPLES) -> Intervals:
    """Intervals of a comparison of two losses' run means (Bouthillier et al., MLSys 2021, for P(A > B)).

    Runs are the unit: paired runs are drawn together by seed, unpaired ones on each side apart. A
    run's users stay together inside its mean.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    rng = np.random.default_rng(0)
    ia = rng.integers(0, len(x), (resamples, len(x)))
    ib = ia if paired else rng.integers(0, len(y), (resamples, len(y)))
    xs, ys = x[ia], y[ib]
    difference = xs.mean(axis=1) - ys.mean(axis=1)
    base = ys.mean(axis=1)
    improvement = _interval(difference / base * 100) if np.all(base > 0) else None
    return Intervals(
        difference=_interval(difference),
        improvement=improvement,
        p_better=float(p_better(x, y, paired)),
        p_better_interval=_interval(p_better(xs, ys, paired)),
    )


def run_interval(values: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """Percentile bootstrap interval (1 - ALPHA) of a statistic of one cell's runs, resampling whole runs.

    ``values`` holds one row per run; ``statistic`` maps draws (resamples x runs x ...) to one value per
    resample. The seed is fixed, as in ``bootstrap``: a report prints the same interval every time.
    """
    draws = np.random.default_rng(0).integers(0, len(values), (RESAMPLES, len(values)))
    return _interval(statistic(np.asarray(values, dtype=float)[draws]))


def p_better(a: np.ndarray, b: np.ndarray, paired: bool) -> np.ndarray:
    """Share of run pairs (by seed when ``paired``, else every pair) where ``a`` beats ``b``, ties half."""
    if paired:
        return ((a > b) + 0.5 * (a == b)).mean(axis=-1)
    left, right = a[..., :, None], b[..., None, :]
    return ((left > right) + 0.5 * (left == right)).mean(axis=(-2, -1))


def _interval(values: np.ndarray) -> tuple[float, float]:
    low, high = np.quantile(values, [ALPHA / 2, 1 - ALPHA / 2])
    return float(low), float(high)


def detectable_difference(sd: float, runs: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest true difference a two-sided paired t-test over ``runs`` seeds finds with ``power``.

    ``sd`` is the seed standard deviation of the per-seed differences; the answer is in its unit.
    """
    from scipy import optimize, stats

    df = runs - 1
    critical = stats.t.ppf(1 - alpha / 2, df)

    def shortfall(shift: float) -> float:
        wrong_way = float(stats.nct.cdf(-critical, df, shift))  # NaN far out in the tail, where it is 0
        return (
            float(stats.nct.sf(critical, df, shift)) + (0.0 if math.isnan(wrong_way) else wrong_way) - power
        )

    upper = critical + 3.0
    while shortfall(upper) < 0:
        upper *= 2
    return optimize.brentq(shortfall, 0.0, upper) * sd / math.sqrt(runs)


def user_share(a: np.ndarray, b: np.ndarray) -> tuple[float | None, int]:
    """Descriptive: the share of users where ``a`` beats ``b`` among those where they differ; their count."""
    differ = a != b
    count = int(differ.sum())
    return (float((a[differ] > b[differ]).mean()) if count else None), count
