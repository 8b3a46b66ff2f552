"""The cold mark: every table flags the values of a split where most test rows are cold.

A test row is cold when its user or item never occurs in training (a ``given`` split may be mostly
cold; a temporal one partly). A model cannot rank what it never saw, so such a value measures the
split more than the loss: the tables keep it but mark it, with a footnote naming the share.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from typing import Any

import polars as pl

from talosbench.report.table import Table, TableCell

COLD_LIMIT = 0.5
"""Above this share of cold test rows (kept or dropped, of those before any drop) a split is marked."""
COLD_MARK = "§"

Where = tuple[str, str]
"""A split as the tables name it: (dataset, scenario)."""


def cold_test_share(diagnostics: Mapping[str, Any]) -> float | None:
    """The share of a split's test rows that are cold, from its diagnostics; None when they do not say."""
    sizes, dropped, kept = (diagnostics.get(k) or {} for k in ("sizes", "dropped_cold", "cold_kept"))
    if "test" not in sizes:
        return None
    cold = int(dropped.get("test", 0)) + int(kept.get("test", 0))
    total = int(sizes["test"]) + int(dropped.get("test", 0))
    return cold / total if total else None


def cold_splits(frame: pl.DataFrame) -> dict[Where, float]:
    """The splits whose mean cold test share over their runs is above ``COLD_LIMIT``, with that share."""
    if "split" not in frame.columns:
        return {}
    shares: dict[Where, list[float]] = {}
    for dataset, scenario, blob in frame.select("dataset", "scenario", "split").iter_rows():
        share = None if blob is None else cold_test_share(json.loads(blob))
        if share is not None:
            shares.setdefault((dataset, scenario), []).append(share)
    means = {where: statistics.fmean(values) for where, values in shares.items()}
    return {where: share for where, share in means.items() if share > COLD_LIMIT}


def mark_cold(table: Table, cold: Mapping[Where, float]) -> None:
    """Mark ``table``'s values of each split in ``cold``: the scenario cell of a row, the header of a
    column, or the value itself where the dataset is a row's and the scenario a column's; say so below."""
    if not cold:
        return
    marked = _mark_rows(table, cold) | _mark_columns(table, cold)
    for record in table.records:
        where = (record.get("dataset"), record.get("scenario"))
        if where in cold:
            record["cold_test_share"] = cold[where]  # type: ignore[index]
    if marked:
        shares = ", ".join(f"{d}/{s} {cold[(d, s)]:.0%}" for d, s in sorted(marked))
        table.footer.append(
            f"{COLD_MARK} Mostly cold test set: more than {COLD_LIMIT:.0%} of the split's test rows have a "
            f"user or item that never occurs in training ({shares}); these values measure the split more "
            "than the loss (docs/protocol.md §6)."
        )


def _mark_rows(table: Table, cold: Mapping[Where, float]) -> set[Where]:
    if "dataset" not in table.columns or "scenario" not in table.columns:
        return set()
    at_dataset, at_scenario = table.columns.index("dataset"), table.columns.index("scenario")
    marked = set()
    for row in table.rows:
        where = (row[at_dataset].text, row[at_scenario].text)
        if where in cold:
            row[at_scenario] = _marked(row[at_scenario])
            marked.add(where)
    return marked


def _mark_columns(table: Table, cold: Mapping[Where, float]) -> set[Where]:
    marked = set()
    at_dataset = table.columns.index("dataset") if "dataset" in table.columns else None
    for column, scenario in table.column_scenarios.items():
        if column in table.column_datasets:  # the dataset is the column's: mark its header
            where = (table.column_datasets[column], scenario)
            if where in cold:
                table.columns[column] = f"{table.columns[column]} {COLD_MARK}"
                marked.add(where)
        elif at_dataset is not None:  # the dataset is the row's: mark the value
            for row in table.rows:
                where = (row[at_dataset].text, scenario)
                if where in cold:
                    row[column] = _marked(row[column])
                    marked.add(where)
    return marked


def _marked(cell: TableCell) -> TableCell:
    return TableCell(f"{cell.text} {COLD_MARK}", bold=cell.bold, underline=cell.underline)
