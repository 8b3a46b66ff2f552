"""The accuracy table's marks on simulated benchmarks: how often they fire with no difference, and power.

A simulated benchmark is shaped as a sparse one is: per-user Precision@20 = hits / 20, each user with
a hit probability of their own (mean 0.02, most users never hit), and each trained run's whole model
better or worse by a seed shift, a multiplier drawn per run from N(1, shift). Users take one of
``LEVELS`` hit probabilities, so a run's hits are a sum of ``LEVELS`` binomials, drawn exactly without
simulating users one by one. Each simulated comparison is then marked by the functions the accuracy
table marks with (``stats.seed_test``, then ``stats.verdicts``), as a family of one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from talosbench.report import stats

CUTOFF = 20
"""The K of Precision@K."""
MEAN = 0.02
"""The mean per-user hit probability (Precision@20 on Beauty is about 0.018)."""
SHAPE = 0.1
"""Gamma shape of the users' hit probabilities: this small, about 85 % of users never hit."""
LEVELS = 64
"""Distinct hit probabilities among the users (equal-count groups of a Gamma draw, each its mean)."""
USERS, SEEDS, SHIFTS = (3_000, 150_000), (3, 5, 10), (0.0, 0.005, 0.01, 0.02)
"""The calibration grid: users evaluated, seeds per loss, seed shift (SD of the run multiplier)."""
SIMULATIONS = 4000
"""Simulated comparisons per rate in the published table (SE of a 5 % rate: 0.34 points)."""
EFFECTS = (0.02, 0.05)
"""True relative differences at which power is measured (the baseline better by 2 % and 5 %)."""

Marker = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Marks of comparisons (rows: simulations, columns: seeds): +1, -1 or 0 each."""


@dataclass(frozen=True)
class Design:
    """One row of the calibration."""

    users: int
    """Users evaluated in every run."""
    seeds: int
    """Runs per loss, paired by seed."""
    shift: float
    """Standard deviation of a run's whole-model multiplier (0.01: 1 % of the mean)."""


@dataclass(frozen=True)
class Rates:
    """How often a design's comparisons are marked."""

    design: Design
    simulations: int
    """Simulated comparisons per rate."""
    false_positive: float
    """Share marked (either way) when both losses are the same."""
    power: dict[float, float]
    """True relative difference -> share marked in the right direction (baseline better)."""

    @property
    def se(self) -> float:
        """Standard error of a rate of ALPHA over ``simulations`` comparisons."""
        return math.sqrt(stats.ALPHA * (1 - stats.ALPHA) / self.simulations)

    @property
    def within(self) -> bool:
        """The false-positive rate is at most ALPHA + 2 SE."""
        return self.false_positive <= stats.ALPHA + 2 * self.se


def report_marks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The accuracy table's marks, each comparison its own family (Holm over one test changes nothing)."""
    test = stats.seed_test(a, b, paired=True)
    return np.array(
        [stats.verdicts([t], [p])[1][0] for t, p in zip(test.statistic, test.pvalue, strict=True)]
    )


def population(users: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The users' hit probabilities as (users per level, probability of each level)."""
    drawn = np.sort(np.minimum(rng.gamma(SHAPE, MEAN / SHAPE, users), 1.0))
    groups = np.array_split(drawn, LEVELS)
    return np.array([len(g) for g in groups]), np.array([g.mean() for g in groups])


def run_means(
    design: Design, sims: int, effect: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mean Precision@20 of every run: baseline and opponent, each (sims, seeds).

    Both losses share the users; the baseline's hit probabilities are (1 + ``effect``) times the
    opponent's, and every run multiplies them by its own seed shift.
    """
    counts, probability = population(design.users, rng)
    multiplier = rng.normal(1.0, design.shift, (sims, 2, design.seeds, 1))
    multiplier[:, 0] *= 1 + effect
    hits = rng.binomial(CUTOFF * counts, np.clip(probability * multiplier, 0.0, 1.0)).sum(axis=-1)
    means = hits / (CUTOFF * design.users)
    return means[:, 0], means[:, 1]


def calibrate(
    design: Design, sims: int, effects: Sequence[float] = EFFECTS, mark: Marker = report_marks
) -> Rates:
    """False-positive rate and power of ``mark`` (by default the report's) over ``sims`` comparisons."""
    rng = np.random.default_rng([21, design.users, design.seeds, round(design.shift * 10_000)])
    null = mark(*run_means(design, sims, 0.0, rng))
    power = {effect: float((mark(*run_means(design, sims, effect, rng)) == 1).mean()) for effect in effects}
    return Rates(design, sims, float((null != 0).mean()), power)


def grid() -> list[Design]:
    """Every row of the calibration table."""
    return [Design(users, seeds, shift) for users in USERS for seeds in SEEDS for shift in SHIFTS]


def markdown(rows: Sequence[Rates]) -> str:
    """The calibration table as docs/protocol.md shows it."""
    effects = list(rows[0].power) if rows else []
    head = ["users", "seeds", "seed shift", "simulations", "false positives", "SE", "α + 2 SE", "within"]
    head += [f"power at +{e:.0%}" for e in effects]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rates in rows:
        d = rates.design
        cells = [
            f"{d.users:,}",
            str(d.seeds),
            f"{d.shift:.1%}",
            f"{rates.simulations:,}",
            f"{rates.false_positive:.2%}",
            f"{rates.se:.2%}",
            f"{stats.ALPHA + 2 * rates.se:.2%}",
            "yes" if rates.within else "**no**",
            *(f"{rates.power[e]:.1%}" for e in effects),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
