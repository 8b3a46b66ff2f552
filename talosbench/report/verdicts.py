"""The accuracy table's comparisons: opponents chosen on validation, tested over runs, one Holm family."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from talosbench.report import stats
from talosbench.report.table import DASH, Runs
from talosbench.results import read_per_user

MARK, BETTER, WORSE = "*", "↑", "↓"  # significant; the baseline is significantly better / worse

Cell = tuple[float | None, float | None, Runs | None]
"""An accuracy-table cell: its test mean and std over the completed seeds, and its runs."""


@dataclass
class Comparison:
    """The baseline against one other loss in one column of one backbone block."""

    record: dict[str, Any]
    """The tidy record: where, Imp.%, the opponent, the test and its intervals."""
    statistic: float = math.nan
    """The t statistic, baseline minus opponent (NaN: refused or untested)."""
    pvalue: float = math.nan
    """Its p-value before correction (NaN: refused or untested)."""
    intervals: stats.Intervals | None = None
    """Bootstrap intervals over runs (None: refused or untested)."""

    @property
    def tested(self) -> bool:
        return not math.isnan(self.pvalue)


@dataclass
class UserValues:
    """Per-user test values of stored runs, each file read once while one table is built."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def means(self, runs: pl.DataFrame, metric: str) -> pl.DataFrame:
        """Each user's ``metric`` averaged over the runs (user, value)."""
        parts = []
        for path in runs["path"].to_list():
            if path not in self.frames:
                self.frames[path] = read_per_user(path)
            frame = self.frames[path]
            if metric in frame.columns:
                parts.append(frame.select("user", pl.col(metric).cast(pl.Float64).alias("value")))
        if not parts:
            return pl.DataFrame(schema={"user": pl.Int64, "value": pl.Float64})
        return pl.concat(parts).group_by("user").agg(pl.col("value").mean())


def complete(cell: Cell) -> bool:
    mean, _, runs = cell
    return mean is not None and runs is not None and runs.complete


def validation_mean(cell: Cell, metric: str) -> float | None:
    """The mean over the completed seeds of ``metric`` at each run's selected snapshot, on validation."""
    runs = cell[2]
    values = runs.values(f"valid_{metric}") if runs is not None else []
    return statistics.fmean(values) if values else None


def loss_name(runs: Runs | None, label: str) -> str:
    """The registered loss a grid label trains (``talos@50`` trains ``talos``)."""
    if (
        runs is not None
        and "loss_name" in runs.frame.columns
        and runs.frame.height
        and runs.frame["loss_name"][0] is not None
    ):
        return str(runs.frame["loss_name"][0])
    return label.split("@")[0]


def variants(grid: list[list[Cell]], losses: list[str], baseline: str) -> set[int]:
    """Rows that are the baseline's own loss under another label, or one of its ablations.

    Beating oneself at another setting (talos@20 against talos@50) or one's ablation
    (talos against talos-no-quantile) is not an improvement over the state of the art.
    """
    names = [
        next((loss_name(cell[2], loss) for cell in row if cell[2] is not None), loss.split("@")[0])
        for row, loss in zip(grid, losses, strict=True)
    ]
    base = names[losses.index(baseline)]
    return {
        r
        for r, (name, loss) in enumerate(zip(names, losses, strict=True))
        if loss != baseline and (name == base or name.startswith(f"{base}-"))
    }


def opponent(
    grid: list[list[Cell]], losses: list[str], baseline: str, c: int, metric: str
) -> tuple[int | None, list[str]]:
    """The other loss of column ``c`` with the best validation mean (a row), and the incomplete cells
    whose partial validation mean beats it.

    Chosen on validation, as the points are: picking the opponent by its test mean would compare the
    baseline with the luckiest of several draws. Ties go to the earlier row. A cell with missing seeds
    that might be the best is returned by name, so that the comparison is refused rather than made
    against a weaker loss.
    """
    b, skipped = losses.index(baseline), variants(grid, losses, baseline)
    valid = {
        r: validation_mean(grid[r][c], metric) for r in range(len(losses)) if r != b and r not in skipped
    }
    candidates = {r: v for r, v in valid.items() if v is not None and grid[r][c][0] is not None}
    best = max(((v, -r) for r, v in candidates.items() if complete(grid[r][c])), default=None)
    blockers = [
        losses[r] for r, v in candidates.items() if not complete(grid[r][c]) and (best is None or v > best[0])
    ]
    return (-best[1] if best else None), blockers


def where(column: tuple[str, str, str], backbone: str, baseline: str, vs: str | None) -> dict[str, Any]:
    """The record of a comparison before it is made: its place and sides, every result empty."""
    dataset, scenario, metric = column
    return {
        "dataset": dataset,
        "scenario": scenario,
        "backbone": backbone,
        "loss": "Imp.%",
        "metric": metric,
        "value": None,
        "baseline": baseline,
        "vs": vs,
        "vs_valid": None,
        "seeds": 0,
        "test": None,
        "statistic": None,
        "p": None,
        "p_holm": None,
        "mark": "",
        "difference": None,
        "difference_low": None,
        "difference_high": None,
        "imp_low": None,
        "imp_high": None,
        "p_better": None,
        "p_better_low": None,
        "p_better_high": None,
        "seed_sd_pct": None,
        "users": 0,
        "users_better": None,
        "untested": None,
        "refused": None,
    }


def compare(
    record: dict[str, Any], base: Cell, other: Cell, users: UserValues, valid: float | None = None
) -> Comparison:
    """The baseline's cell against the opponent's: Imp.% of the test means, tested over their runs."""
    metric = record["metric"]
    a_runs, b_runs = base[2].ok.sort("seed"), other[2].ok.sort("seed")  # type: ignore[union-attr]
    a = a_runs.select("seed", pl.col(f"test_{metric}").alias("value")).drop_nulls()
    b = b_runs.select("seed", pl.col(f"test_{metric}").alias("value")).drop_nulls()
    x, y = a["value"].to_numpy(), b["value"].to_numpy()
    paired = a["seed"].to_list() == b["seed"].to_list()
    opponent_mean = float(y.mean())
    record |= {
        "value": (x.mean() - opponent_mean) / opponent_mean * 100 if opponent_mean > 0 else None,
        "vs_valid": valid,
        "seeds": min(len(x), len(y)),
        "difference": float(x.mean() - opponent_mean),
        "seed_sd_pct": _seed_sd(x, y, paired, opponent_mean),
    }
    joined = users.means(a_runs, metric).join(users.means(b_runs, metric), on="user", suffix="_b")
    share, _ = stats.user_share(joined["value"].to_numpy(), joined["value_b"].to_numpy())
    record |= {"users": joined.height, "users_better": share}
    if min(len(x), len(y)) < stats.MIN_RUNS:
        record["untested"] = f"{min(len(x), len(y))} run(s) per side; a test needs {stats.MIN_RUNS}"
        return Comparison(record)
    test = stats.seed_test(x, y, paired)
    intervals = stats.bootstrap(x, y, paired)
    record |= {
        "test": "paired t" if paired else "Welch t",
        "statistic": float(test.statistic),
        "p": float(test.pvalue),
        "difference_low": intervals.difference[0],
        "difference_high": intervals.difference[1],
        "imp_low": intervals.improvement[0] if intervals.improvement else None,
        "imp_high": intervals.improvement[1] if intervals.improvement else None,
        "p_better": intervals.p_better,
        "p_better_low": intervals.p_better_interval[0],
        "p_better_high": intervals.p_better_interval[1],
    }
    return Comparison(record, float(test.statistic), float(test.pvalue), intervals)


def _seed_sd(x: np.ndarray, y: np.ndarray, paired: bool, scale: float) -> float | None:
    """The seed standard deviation of the difference of means' building block, in % of ``scale``."""
    if min(len(x), len(y)) < 2 or scale <= 0:
        return None
    variance = np.var(x - y, ddof=1) if paired else np.var(x, ddof=1) + np.var(y, ddof=1)
    return float(np.sqrt(variance) / scale * 100)


def correct(comparisons: Sequence[Comparison]) -> None:
    """Holm over every tested comparison of the table (one family, all metrics), then each mark."""
    adjusted, marks = stats.verdicts([c.statistic for c in comparisons], [c.pvalue for c in comparisons])
    for comparison, p, mark in zip(comparisons, adjusted, marks, strict=True):
        comparison.record["p_holm"] = None if math.isnan(p) else p
        comparison.record["mark"] = {1: BETTER + MARK, -1: WORSE + MARK}.get(mark, "")


def imp_text(comparison: Comparison, named: bool) -> str:
    """``+4.20%↑* vs sl`` (``named``) or ``+4.20%↑*``; the arrow comes from the tested statistic."""
    record = comparison.record
    if record["refused"]:
        return f"{DASH} ({record['refused']})"
    vs = f" vs {record['vs']}" if named else ""
    if record["value"] is None:
        return f"{DASH}{vs}"
    return f"{record['value']:+.2f}%{record['mark']}{vs}"


def interval_text(comparison: Comparison) -> str:
    """The Imp.% interval, ``[+1.10%, +4.30%]``."""
    low, high = comparison.record["imp_low"], comparison.record["imp_high"]
    return DASH if low is None else f"[{low:+.2f}%, {high:+.2f}%]"


def p_better_text(comparison: Comparison) -> str:
    """P(A > B) with its interval, ``0.80 [0.60, 1.00]``."""
    record = comparison.record
    if record["p_better"] is None:
        return DASH
    return f"{record['p_better']:.2f} [{record['p_better_low']:.2f}, {record['p_better_high']:.2f}]"


def notes(comparisons: Sequence[Comparison], baseline: str, skipped: set[str], vs_all: bool) -> list[str]:
    """The footer lines on the comparisons: how opponents were chosen, the tests, the power."""
    if vs_all:
        chosen = (
            f"Imp.% vs X: {baseline} against every other loss of the backbone block, its variants and "
            "ablations included; a cell with missing seeds is not compared ('– (... incomplete)')."
        )
    else:
        chosen = (
            f"Imp.%: {baseline} against the other loss with the best validation mean of the column's "
            "metric, named after 'vs' (chosen on validation, as the tuning points are, among cells whose "
            "seeds all completed; ties go to the loss listed first), then compared on test; when a cell "
            "with missing seeds has a higher partial validation mean, the comparison is refused "
            "('– (... incomplete)'), as that loss may be the true best."
        )
        if skipped:
            chosen += f" Variants of {baseline} are not opponents: {', '.join(sorted(skipped))}."
    return [chosen, _significance_note(comparisons, baseline), *_power_note(comparisons)]


def _significance_note(comparisons: Sequence[Comparison], baseline: str) -> str:
    made = [c for c in comparisons if not c.record["refused"] and c.record["value"] is not None]
    tested = [c for c in made if c.tested]
    if not made:
        return "No significance mark: no comparison was made, each one's side or column lacking runs."
    if not tested:
        runs = sorted({c.record["seeds"] for c in made})
        return (
            f"No significance mark: every comparison has fewer than {stats.MIN_RUNS} runs per side "
            f"({' or '.join(map(str, runs)) or 'no'} seed(s)). The trained run is the unit of "
            f"replication (a run's users all share one trained model, so they cannot stand in for "
            f"runs), and a test over runs needs {stats.MIN_RUNS} seeds per loss or more."
        )
    per_metric = ", ".join(
        f"{metric} {sum(c.record['metric'] == metric for c in tested)}"
        for metric in dict.fromkeys(c.record["metric"] for c in tested)
    )
    untested = len(made) - len(tested)
    left = (
        f" {untested} comparison(s) with fewer than {stats.MIN_RUNS} runs per side are not tested."
        if untested
        else ""
    )
    level = round(100 * (1 - stats.ALPHA))
    return (
        f"{BETTER}{MARK} / {WORSE}{MARK}: {baseline} significantly better / worse than the loss compared "
        f"(Holm–Bonferroni over this table's family of {len(tested)} tested comparison(s), {per_metric}; "
        f"adjusted p < {stats.ALPHA}), by a {stats.TEST}.{left} Imp.% {level}% CI: percentile bootstrap "
        f"over runs; P(better): the share of seed pairs where {baseline}'s run beats the other's "
        "(Bouthillier et al., MLSys 2021), with its bootstrap interval; intervals are not corrected for "
        "multiplicity. csv and json add the p-values, the difference's interval and, descriptive only, "
        f"the share of users where {baseline} is ahead."
    )


def _power_note(comparisons: Sequence[Comparison]) -> list[str]:
    """The smallest difference the design could detect, given the seed variance the table shows."""
    measured = [c.record for c in comparisons if c.record["seed_sd_pct"] is not None]
    if not measured:
        return []
    sd = math.sqrt(statistics.fmean(r["seed_sd_pct"] ** 2 for r in measured))
    runs = statistics.mode(r["seeds"] for r in measured)
    family = sum(not c.record["refused"] for c in comparisons)
    observed = (
        f"seed standard deviation of the difference {sd:.2f}% of the opponent's mean, pooled over "
        f"{len(measured)} comparison(s)"
    )
    power = round(100 * stats.POWER)
    if runs >= stats.MIN_RUNS:
        found = stats.detectable_difference(sd, runs)
        strict = stats.detectable_difference(sd, runs, stats.ALPHA / family) if family > 1 else None
        holm = f"; {strict:.1f}% at α/{family}, the first step of Holm over this table" if strict else ""
        return [
            f"Smallest difference detectable at {power}% power: {found:.1f}% of the opponent's mean "
            f"(paired t-test over {runs} seeds at α = {stats.ALPHA}{holm}; {observed})."
        ]
    three, five = (stats.detectable_difference(sd, n) for n in (stats.MIN_RUNS, 5))
    return [
        f"Smallest difference detectable at {power}% power: with {runs} seed(s) none is tested; at the "
        f"observed {observed}, a paired t-test at α = {stats.ALPHA} would detect {three:.1f}% with "
        f"{stats.MIN_RUNS} seeds and {five:.1f}% with 5."
    ]
