"""The convergence-variance table: spread across seeds, roughness within a run, epochs to best, failures.

Every measure is defined in docs/protocol.md (reporting). The seed band and the roughness are taken on
the cell's common epoch range, up to the earliest stop among its seeds, so that neither depends on
how long the longest run went on nor on which seeds stopped early; the roughness is net of the
validation metric's own sampling noise. Each measure has a percentile bootstrap interval over the
cell's runs.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from talosbench.report import stats
from talosbench.report.table import (
    CELL,
    DASH,
    Planned,
    Runs,
    Table,
    mean_std,
    ordered_cells,
    partial_label,
    runs_by_cell,
)
from talosbench.results import read_history, read_per_user

MIN_SEEDS = 2
"""Seeds needed for an across-seed spread to be defined."""
NOISE_SHARE = 2 / 3
"""The share of one validation's noise variance a three-point residual carries: (2² + 1 + 1) / 3²."""

Interval = tuple[float, float] | None


@dataclass(frozen=True)
class Curves:
    """A cell's validation curves of one metric on their common epoch range (one row per completed seed)."""

    epochs: np.ndarray
    """The validation epochs every seed reached with a finite value, up to the earliest last one."""
    values: np.ndarray
    """seeds x epochs: each seed's validation value at those epochs."""
    noise: np.ndarray
    """Per seed, the sampling variance of one validation value (var_u / n_users; NaN: unknown)."""


def convergence_table(
    final: pl.DataFrame, metric: str, baseline: str, planned: Planned | None = None
) -> Table:
    """Per cell: test std, validation seed band, curve roughness, epochs to best, failures; each
    measure with its bootstrap interval over the cell's runs."""
    columns = [
        "runs",
        f"test {metric} std",
        "seed band (% of peak)",
        "roughness (% of peak)",
        "best epoch",
        "diverged",
        "failed",
    ]
    table = Table("convergence", "Convergence variance", [*CELL, *columns])
    cells = runs_by_cell(final, planned)
    label = partial_label(cells) if planned is not None else None
    if label is not None:
        table.title += f" — {label}"
    for key, first in ordered_cells(cells, baseline):
        runs = cells[key]
        tests = np.array(runs.values(f"test_{metric}"))
        curves = common_curves(runs, metric)
        roughs = np.array([r for r in net_roughness(curves) if r is not None])
        epochs = runs.values("best_epoch")
        epoch_mean, epoch_std = mean_std(epochs)
        failed = runs.count("failed") + runs.count("oom")
        measures = {
            "test_std": _measure(_std(tests), tests, _std_of),
            "seed_band": _measure(seed_band(curves.values), curves.values, _band_of),
            "roughness": _measure(_mean(roughs), roughs, _mean_of),
            "best_epoch_mean": _measure(epoch_mean, np.array(epochs), _mean_of),
        }
        table.add(
            *key,
            runs.summary(),
            _with(measures["test_std"], lambda v: f"{v:.4f}"),
            _with(measures["seed_band"], _percent),
            _with(measures["roughness"], _percent),
            _epochs_text(epochs, measures["best_epoch_mean"][1]),
            str(runs.count("diverged")),
            str(failed),
            rule=first,
        )
        # Intervals as rows of their own (``seed_band_low``, ...): the tidy columns stay those of every table.
        values: dict[str, float | None] = {name: value for name, (value, _) in measures.items()}
        for name, (_, interval) in measures.items():
            low, high = interval if interval is not None else (None, None)
            values |= {f"{name}_low": low, f"{name}_high": high}
        values |= {"best_epoch_std": epoch_std, "diverged": runs.count("diverged"), "failed": failed}
        table.records += [
            {
                **dict(zip(CELL, key, strict=True)),
                "metric": name,
                "value": value,
                "runs": runs.summary(),
                "of": metric,
            }
            for name, value in values.items()
        ]
    table.footer = _footer(metric)
    return table


def _footer(metric: str) -> list[str]:
    level = round(100 * (1 - stats.ALPHA))
    return [
        f"Test std: sample standard deviation of test {metric} across completed seeds. Seed band: on the "
        f"cell's common epoch range (every validation up to the earliest last one among its seeds), the "
        f"sample std of validation {metric} across seeds at each epoch; their mean, as % of the peak of "
        "the seed-mean curve.",
        "Roughness: per run, on the same range, the RMS distance of each validation value from the mean "
        "of it and its two neighbours (its local trend), net of the validation metric's own sampling "
        "noise (var over users / validation users, each value's share 2/3; floored at 0), as % of the "
        "run's best value; mean over seeds. A straight stretch scores 0; a zig-zag scores high.",
        f"[low, high]: {level}% percentile bootstrap interval over the cell's runs ({stats.RESAMPLES} "
        f"resamples, fixed seed), given with {stats.MIN_RUNS} or more runs. Best epoch: mean ± std "
        "[min–max] over seeds. Failed counts failed and out-of-memory runs. See docs/protocol.md "
        "(reporting).",
    ]


def common_curves(runs: Runs, metric: str) -> Curves:
    """The cell's validation curves cut to their common range, with each run's noise variance."""
    ok = runs.ok.sort("seed")
    splits = ok["split"].to_list() if "split" in ok.columns else [None] * ok.height
    kept = [
        (curve, noise_variance(path, split, metric))
        for path, split in zip(ok["path"].to_list(), splits, strict=True)
        if (curve := validation_curve(path, metric)) is not None
    ]
    if not kept:
        return Curves(np.empty(0), np.empty((0, 0)), np.empty(0))
    stop = min(curve["epoch"].max() for curve, _ in kept)  # type: ignore[type-var]
    shared = set.intersection(*(set(curve["epoch"].to_list()) for curve, _ in kept))
    epochs = sorted(e for e in shared if e <= stop)  # type: ignore[operator]
    values = [curve.filter(pl.col("epoch").is_in(epochs))["value"].to_numpy() for curve, _ in kept]
    return Curves(
        np.array(epochs), np.array(values).reshape(len(kept), len(epochs)), np.array([n for _, n in kept])
    )


def validation_curve(path: str, metric: str) -> pl.DataFrame | None:
    """A run's finite validation values of ``metric`` (``epoch``, ``value``) by epoch; None if it has none."""
    column = f"valid_{metric}"
    history = read_history(path)
    if column not in history.columns:
        return None
    curve = history.select("epoch", value=pl.col(column)).filter(pl.col("value").is_finite()).sort("epoch")
    return None if curve.is_empty() else curve


def noise_variance(path: str, split: str | None, metric: str) -> float:
    """The sampling variance of one validation value of ``metric``: var_u / n_users (NaN when unknown).

    var_u, the variance over users of the metric, is estimated from the run's per-user test values
    (the only per-user values stored); n_users is the validation user count the run's split recorded.
    """
    users = (json.loads(split).get("users") or {}).get("valid") if split else None
    per_user = read_per_user(path)
    if not isinstance(users, int) or users < 1 or metric not in per_user.columns:
        return math.nan
    values = per_user[metric].cast(pl.Float64, strict=False)
    values = values.filter(values.is_finite())  # a hand-edited file may hold nulls or NaNs
    return float(values.var()) / users if values.len() >= 2 else math.nan  # type: ignore[arg-type]


def seed_band(values: np.ndarray) -> float | None:
    """Mean across-seed std per epoch (seeds x epochs) over the seed-mean curve's peak."""
    if values.ndim != 2 or values.shape[0] < MIN_SEEDS or values.shape[1] == 0:
        return None
    band = float(_band_of(values[None])[0])
    return band if math.isfinite(band) else None


def _band_of(draws: np.ndarray) -> np.ndarray:
    """``seed_band`` of each draw (draws x seeds x epochs); NaN where the peak is not positive."""
    width = draws.std(axis=1, ddof=1).mean(axis=-1)
    peak = draws.mean(axis=1).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, width / peak, np.nan)


def roughness(values: Sequence[float], noise: float = 0.0) -> float | None:
    """RMS of each interior value's distance from its three-point moving average, over the best value,
    net of ``noise`` (one validation value's sampling variance).

    ``v[i] - (v[i-1] + v[i] + v[i+1]) / 3`` is zero on any straight stretch, so a steady rise and a
    steady decline after the peak both score 0; only changes of slope score, a zig-zag most.
    Independent noise of variance s² in each value adds (2² + 1 + 1) / 9 · s² to a residual's
    expected square: that is taken off the mean square, floored at 0.
    """
    if len(values) < 3 or max(values) <= 0:
        return None
    residuals = [(2 * values[i] - values[i - 1] - values[i + 1]) / 3 for i in range(1, len(values) - 1)]
    square = statistics.fmean(r * r for r in residuals) - NOISE_SHARE * noise
    return math.sqrt(max(square, 0.0)) / max(values)


def net_roughness(curves: Curves) -> list[float | None]:
    """Each seed's ``roughness`` on the common range, net of its noise (None: undefined or noise unknown)."""
    return [
        None if math.isnan(noise) else roughness(row.tolist(), noise)
        for row, noise in zip(curves.values, curves.noise, strict=True)
    ]


def _measure(
    value: float | None, runs: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray]
) -> tuple[float | None, Interval]:
    """A measure and the bootstrap interval of ``statistic`` over its runs (rows of ``runs``), given
    where the measure is defined and there are enough runs."""
    if value is None or len(runs) < stats.MIN_RUNS:
        return value, None
    found = stats.run_interval(runs, statistic)
    return value, found if all(math.isfinite(v) for v in found) else None


def _std_of(draws: np.ndarray) -> np.ndarray:
    return draws.std(axis=1, ddof=1)


def _mean_of(draws: np.ndarray) -> np.ndarray:
    return draws.mean(axis=1)


def _std(values: np.ndarray) -> float | None:
    return mean_std(values.tolist())[1]


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _with(measure: tuple[float | None, Interval], text: Callable[[float], str]) -> str:
    value, interval = measure
    if value is None:
        return DASH
    return text(value) + (f" [{text(interval[0])}, {text(interval[1])}]" if interval else "")


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def _epochs_text(epochs: list[float], interval: Interval) -> str:
    mean, std = mean_std(epochs)
    if mean is None:
        return DASH
    spread = f" ± {std:.1f}" if std is not None else ""
    within = f" ({interval[0]:.1f}–{interval[1]:.1f})" if interval else ""
    return f"{mean:.1f}{spread} [{min(epochs):.0f}–{max(epochs):.0f}]{within}"
