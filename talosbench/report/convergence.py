"""The convergence-variance table: spread across seeds, roughness within a run, epochs to best, failures.

Every measure is defined in docs/protocol.md (reporting). None of them looks at a fixed window at the
end of a run: the last validations before early stopping are the decline after the peak that the
patience waits out, not an oscillation.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import polars as pl

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
from talosbench.results import read_history

MIN_SEEDS = 2
"""Seeds needed at an epoch for its across-seed spread to be defined."""


def convergence_table(
    final: pl.DataFrame, metric: str, baseline: str, planned: Planned | None = None
) -> Table:
    """Per cell: test std, validation seed band, curve roughness, epochs to best, failures."""
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
        _, test_std = mean_std(runs.values(f"test_{metric}"))
        curves = validation_curves(runs, metric)
        band, roughness = seed_band(curves), mean_roughness(curves)
        epochs = runs.values("best_epoch")
        epoch_mean, epoch_std = mean_std(epochs)
        failed = runs.count("failed") + runs.count("oom")
        table.add(
            *key,
            runs.summary(),
            DASH if test_std is None else f"{test_std:.4f}",
            _percent(band),
            _percent(roughness),
            _epochs_text(epochs),
            str(runs.count("diverged")),
            str(failed),
            rule=first,
        )
        values = {
            "test_std": test_std,
            "seed_band": band,
            "roughness": roughness,
            "best_epoch_mean": epoch_mean,
            "best_epoch_std": epoch_std,
            "diverged": runs.count("diverged"),
            "failed": failed,
        }
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
    table.footer = [
        f"Test std: sample standard deviation of test {metric} across completed seeds. "
        f"Seed band: at each validation epoch reached by ≥ {MIN_SEEDS} seeds, the sample std of "
        f"validation {metric} across seeds; their mean, as % of the peak of the seed-mean curve.",
        "Roughness: per run, the RMS distance of each validation value from the mean of it and its two "
        "neighbours (its local trend), as % of the run's best value; mean over seeds. A straight stretch "
        "(a steady rise, the steady decline early stopping waits out) scores 0; a zig-zag scores high.",
        "Best epoch: mean ± std [min–max] over seeds. Failed counts failed and out-of-memory runs. "
        "See docs/protocol.md (reporting).",
    ]
    return table


def validation_curves(runs: Runs, metric: str) -> list[pl.DataFrame]:
    """Each completed seed's validation curve: columns ``epoch`` and ``value``, by epoch, no gaps."""
    column = f"valid_{metric}"
    curves = []
    for path in runs.ok.sort("seed")["path"].to_list():
        history = read_history(path)
        if column not in history.columns:
            continue
        curve = history.select("epoch", value=pl.col(column)).filter(pl.col("value").is_finite())
        if not curve.is_empty():
            curves.append(curve.sort("epoch"))
    return curves


def seed_band(curves: Sequence[pl.DataFrame]) -> float | None:
    """Mean across-seed std of the validation curve per epoch, relative to the seed-mean curve's peak."""
    if len(curves) < MIN_SEEDS:
        return None
    stats = (
        pl.concat(curves)
        .group_by("epoch")
        .agg(n=pl.len(), mean=pl.col("value").mean(), std=pl.col("value").std())
        .filter(pl.col("n") >= MIN_SEEDS)
        .sort("epoch")  # group_by's order varies from call to call; the mean below must not
    )
    peak = stats["mean"].max() if not stats.is_empty() else None
    width = stats["std"].mean() if not stats.is_empty() else None
    if not isinstance(peak, float) or peak <= 0 or not isinstance(width, float):
        return None
    return width / peak


def roughness(values: Sequence[float]) -> float | None:
    """RMS of each interior value's distance from its three-point moving average, over the best value.

    ``v[i] - (v[i-1] + v[i] + v[i+1]) / 3`` is zero on any straight stretch, so a steady rise and a
    steady decline after the peak both score 0; only changes of slope score, a zig-zag most.
    """
    if len(values) < 3 or max(values) <= 0:
        return None
    residuals = [(2 * values[i] - values[i - 1] - values[i + 1]) / 3 for i in range(1, len(values) - 1)]
    return math.sqrt(statistics.fmean(r * r for r in residuals)) / max(values)


def mean_roughness(curves: Sequence[pl.DataFrame]) -> float | None:
    """``roughness`` averaged over the seeds where it is defined."""
    scores = [roughness(curve["value"].to_list()) for curve in curves]
    defined = [score for score in scores if score is not None]
    return statistics.fmean(defined) if defined else None


def _percent(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.2f}%"


def _epochs_text(epochs: list[float]) -> str:
    mean, std = mean_std(epochs)
    if mean is None:
        return DASH
    spread = f" ± {std:.1f}" if std is not None else ""
    return f"{mean:.1f}{spread} [{min(epochs):.0f}–{max(epochs):.0f}]"
