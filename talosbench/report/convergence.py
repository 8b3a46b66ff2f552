"""The convergence-variance table: seed spread, late validation oscillation, epochs to best, failures."""

from __future__ import annotations

import statistics

import polars as pl

from talosbench.report.model import CELL, DASH, Runs, Table, mean_std, ordered_cells, runs_by_cell
from talosbench.results import read_history

WINDOW = 5


def convergence_table(final: pl.DataFrame, metric: str, baseline: str) -> Table:
    """Per cell: test std across seeds, oscillation over the last evaluations, best epoch, failures."""
    columns = [
        "runs", f"test {metric} std", f"oscillation (var, last {WINDOW} evals)", "best epoch",
        "diverged", "failed",
    ]  # fmt: skip
    table = Table("convergence", "Convergence variance", [*CELL, *columns])
    cells = runs_by_cell(final)
    for key, first in ordered_cells(cells, baseline):
        runs = cells[key]
        _, test_std = mean_std(runs.values(f"test_{metric}"))
        oscillation = _oscillation(runs, metric)
        epochs = runs.values("best_epoch")
        epoch_mean, epoch_std = mean_std(epochs)
        failed = runs.count("failed") + runs.count("oom")
        table.add(
            *key, runs.summary(),
            DASH if test_std is None else f"{test_std:.4f}",
            DASH if oscillation is None else f"{oscillation:.2e}",
            _epochs_text(epochs),
            str(runs.count("diverged")), str(failed),
            rule=first,
        )  # fmt: skip
        values = {
            "test_std": test_std, "oscillation": oscillation, "best_epoch_mean": epoch_mean,
            "best_epoch_std": epoch_std, "diverged": runs.count("diverged"), "failed": failed,
        }  # fmt: skip
        table.records += [
            {**dict(zip(CELL, key, strict=True)),
             "metric": name, "value": value, "runs": runs.summary(), "of": metric}
            for name, value in values.items()
        ]  # fmt: skip
    table.footer = [
        f"Test std: sample standard deviation of test {metric} across completed seeds. "
        f"Oscillation: variance of validation {metric} over the last {WINDOW} evaluations before "
        "stopping, averaged over seeds (high = the loss keeps jumping around its optimum).",
        "Best epoch: mean ± std [min–max] over seeds. Failed counts failed and out-of-memory runs.",
    ]
    return table


def _oscillation(runs: Runs, metric: str) -> float | None:
    """Mean over completed seeds of the variance of the last WINDOW validation values."""
    variances = []
    for path in runs.ok["path"].to_list():
        history = read_history(path)
        column = f"valid_{metric}"
        if column not in history.columns:
            continue
        last = history.sort("epoch")[column].drop_nulls().tail(WINDOW).to_list()
        if len(last) >= 2:
            variances.append(statistics.variance(last))
    return statistics.fmean(variances) if variances else None


def _epochs_text(epochs: list[float]) -> str:
    mean, std = mean_std(epochs)
    if mean is None:
        return DASH
    spread = f" ± {std:.1f}" if std is not None else ""
    return f"{mean:.1f}{spread} [{min(epochs):.0f}–{max(epochs):.0f}]"
