"""What a reader needs beside a published threshold error: the variants at the selected epoch, and motion.

The paper's Table A.4 does not define its error (docs/protocol.md §5.4), so ``report --vs-paper``
sets beside it what each run logged at every validation: the error, its signed mean, the error
against the K-th score over the non-training items and on the sigmoid scale, at the selected epoch,
and how far the mean threshold was still moving there.
"""

from __future__ import annotations

import statistics

import polars as pl

from talosbench.report.table import Runs
from talosbench.results import read_history

SHOWN = {
    "threshold_error": "error {:.4f}",
    "threshold_signed_error": "signed {:+.4f}",
    "threshold_error_ranked": "against the K-th non-training score {:.4f}",
    "threshold_error_sigmoid": "on the sigmoid scale {:.4f}",
}
"""The history columns (without ``valid_``) summarised, and how each is written: the error and
``metrics.THRESHOLD_VARIANTS`` (named here, as metrics imports torch and a report does not)."""


def threshold_note(where: str, runs: Runs) -> str | None:
    """One line on ``runs``' thresholds at their selected epochs; None when no history logged them."""
    found: dict[str, list[float]] = {name: [] for name in SHOWN}
    before: list[float] = []
    after: list[float] = []
    for path, best in runs.ok.sort("seed").select("path", "best_epoch").iter_rows():
        history = read_history(path)
        if best is None or "valid_threshold_error" not in history.columns:
            continue
        logged = history.filter(pl.col("valid_threshold_error").is_not_null()).sort("epoch")
        at = logged.filter(pl.col("epoch") == best)
        if at.is_empty():
            continue
        for name in SHOWN:
            column = f"valid_{name}"
            if column in at.columns and at[column][0] is not None:
                found[name].append(float(at[column][0]))
        means = logged["valid_mean_threshold"].to_list()
        index = logged["epoch"].to_list().index(best)
        if index > 0:
            before.append(_moved(means[index - 1], means[index]))
        after.append(_moved(means[index], means[-1]))
    if not found["threshold_error"]:
        return None
    seeds = len(found["threshold_error"])
    parts = [SHOWN[name].format(statistics.fmean(v)) for name, v in found.items() if len(v) == seeds]
    motion = []
    if before:
        motion.append(f"{statistics.fmean(before):+.1f} % over the validation interval before it")
    motion.append(f"{statistics.fmean(after):+.1f} % from it to the last validation")
    return (
        f"{where} threshold at the selected epoch (validation users, mean of {seeds} "
        f"seed{'s' if seeds > 1 else ''}): {', '.join(parts)}; the mean threshold moved "
        f"{' and '.join(motion)}."
    )


def _moved(start: float, end: float) -> float:
    """Relative change from ``start`` to ``end``, in percent of ``|start|`` (0 where start is 0)."""
    return (end - start) / abs(start) * 100 if start else 0.0
