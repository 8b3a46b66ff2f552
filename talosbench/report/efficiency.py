"""The efficiency table (the paper's Table F.1, extended): time per epoch, ratio to SL, memory."""

from __future__ import annotations

import statistics
from typing import Any

import polars as pl

from talosbench.report.table import (
    CELL,
    DASH,
    Planned,
    Runs,
    Table,
    fmt_mib,
    fmt_num,
    ordered_cells,
    partial_label,
    runs_by_cell,
)

REFERENCE = "sl"
SHARED = "‡"
"""Marks the times of a cell one of whose runs shared its device with other runs."""
COLUMNS = ["runs", "s/epoch", "× SL", "eval s", "epochs to best", "wall s (total)", "device MiB", "host MiB"]


def efficiency_table(final: pl.DataFrame, baseline: str, planned: Planned | None = None) -> Table:
    """One row per cell (every cell of the suite's ``planned`` ones): medians over completed seeds,
    total wall time over every run of the cell."""
    table = Table("efficiency", "Efficiency", [*CELL, *COLUMNS])
    cells = runs_by_cell(final, planned)
    label = partial_label(cells) if planned is not None else None
    if label is not None:
        table.title += f" — {label}"
    for key, first in ordered_cells(cells, baseline):
        reference_runs = cells.get((*key[:3], REFERENCE))
        reference = _median(reference_runs, "train_seconds_per_epoch") if reference_runs else None
        values = _values(cells[key], reference)
        table.add(*key, *_texts(values), rule=first)
        table.records += [
            {**dict(zip(CELL, key, strict=True)), "metric": metric, "value": value, "runs": values["runs"]}
            for metric, value in values.items()
            if metric != "runs"
        ]
    table.footer = [
        "Medians over completed seeds: training seconds per epoch (each run's median epoch, plus its "
        "adversarial epochs spread over its epochs), evaluation seconds per validation, epochs to the "
        "best validation point.",
        f"× SL: s/epoch relative to '{REFERENCE}' in the same dataset, scenario and backbone. "
        "Wall s (total): summed over every run of the cell, failed ones included (they cost time too). "
        "Memory: peak over the cell's runs.",
    ]
    shared = [r["value"] for r in table.records if r["metric"] == "shared_device" and (r["value"] or 1) > 1]
    if shared:
        table.footer.append(
            f"{SHARED}: a run of the row was timed while sharing its device with other runs (up to "
            f"{max(shared):.0f} at once: --jobs workers on one device, or --gpus-per-run below 1 in Ray); "
            "its times (s/epoch, × SL, eval s, wall s) are not comparable with those of runs that had "
            "their device to themselves."
        )
    return table


def _median(runs: Runs, column: str) -> float | None:
    values = runs.values(column)
    return statistics.median(values) if values else None


def _peak(runs: Runs, column: str) -> float | None:
    if column not in runs.frame.columns:  # a frame from before the column existed
        return None
    values = [v for v in runs.frame[column].to_list() if v is not None]
    return float(max(values)) if values else None


def _values(runs: Runs, reference: float | None) -> dict[str, Any]:
    per_epoch = _median(runs, "train_seconds_per_epoch")
    walls = [v for v in runs.frame["wall_seconds"].to_list() if v is not None]
    return {
        "runs": runs.summary(),
        "train_seconds_per_epoch": per_epoch,
        "ratio_to_sl": per_epoch / reference if per_epoch is not None and reference else None,
        "eval_seconds": _median(runs, "eval_seconds"),
        "epochs_to_best": _median(runs, "best_epoch"),
        "wall_seconds_total": sum(walls) if walls else None,
        "device_peak_bytes": _peak(runs, "device_peak_bytes"),
        "host_peak_bytes": _peak(runs, "host_peak_bytes"),
        "shared_device": _peak(runs, "shared_device"),
    }


def _texts(values: dict[str, Any]) -> list[str]:
    ratio = values["ratio_to_sl"]
    per_epoch = fmt_num(values["train_seconds_per_epoch"])
    if (values["shared_device"] or 1) > 1 and per_epoch != DASH:
        per_epoch += SHARED
    return [
        values["runs"],
        per_epoch,
        DASH if ratio is None else f"{ratio:.2f}×",
        fmt_num(values["eval_seconds"]),
        DASH if values["epochs_to_best"] is None else f"{values['epochs_to_best']:.1f}",
        fmt_num(values["wall_seconds_total"]),
        # CPU runs record no device memory (0): a dash, not a misleading 0 MiB.
        fmt_mib(values["device_peak_bytes"] or None),
        fmt_mib(values["host_peak_bytes"]),
    ]
