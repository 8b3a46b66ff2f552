"""The cold mark: every table flags the values of a split whose test rows are mostly cold."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from talosbench import results
from talosbench.report.cold_marks import COLD_MARK, cold_splits, cold_test_share
from talosbench.report.compose import build_tables
from talosbench.report.renderers import render


def with_split(frame: pl.DataFrame, scenario: str, diagnostics: dict) -> pl.DataFrame:
    blob = json.dumps(diagnostics)
    return frame.with_columns(
        pl.when(pl.col("scenario") == scenario).then(pl.lit(blob)).otherwise(pl.col("split")).alias("split")
    )


def test_the_cold_share_counts_kept_and_dropped_test_rows_of_those_before_any_drop() -> None:
    assert cold_test_share({"sizes": {"test": 40}, "cold_kept": {"test": 30}}) == 0.75
    assert cold_test_share({"sizes": {"test": 40}, "dropped_cold": {"test": 60}}) == 0.6
    assert cold_test_share({"sizes": {"test": 40}, "dropped_cold": {"test": 0}}) == 0.0
    assert cold_test_share({"popularity_kl": 0.1}) is None  # diagnostics that do not say


def test_every_table_marks_a_mostly_cold_split_and_only_it(golden: Path) -> None:
    frame = with_split(
        results.collect(golden),
        "temporal",
        {"sizes": {"test": 20}, "dropped_cold": {"valid": 0, "test": 0}, "cold_kept": {"test": 12}},
    )
    assert cold_splits(frame) == {("ml", "temporal"): 0.6}
    tables = {t.title: t for t in build_tables(frame, baseline="talos")}
    accuracy = tables["Accuracy (test, best validation snapshot)"]
    assert [c for c in accuracy.columns if COLD_MARK in c] == [
        "ml/temporal precision@20 §",
        "ml/temporal recall@20 §",
    ]
    for title in ("Efficiency", "Convergence variance"):
        table = tables[title]
        at = table.columns.index("scenario")
        assert {row[at].text for row in table.rows} == {"iid", f"temporal {COLD_MARK}"}
    diagnostics = tables["Shift: split diagnostics"]
    assert diagnostics.columns[2:] == ["ml/iid", f"ml/temporal {COLD_MARK}"]
    drop = tables["Shift: drop of test precision@20 from iid"]
    at = drop.columns.index("temporal precision@20")
    assert all(row[at].text.endswith(COLD_MARK) and COLD_MARK not in row[3].text for row in drop.rows)
    for table in tables.values():  # a footnote wherever a mark is (tuning has only iid cells: neither)
        shown = " ".join([*table.columns, *(cell.text for row in table.rows for cell in row)])
        noted = any("more than 50% of the split's test rows" in line for line in table.footer)
        assert noted == (COLD_MARK in shown) == (table.name != "tuning"), table.title
    shares = {(r.get("scenario"), r.get("cold_test_share")) for r in accuracy.records}
    assert shares == {("iid", None), ("temporal", 0.6)}
    assert "cold_test_share" in render(list(tables.values()), "csv").splitlines()[0]


@pytest.mark.parametrize("cold", [0, 10])
def test_a_split_at_most_half_cold_leaves_every_table_as_it_was(golden: Path, cold: int) -> None:
    plain = results.collect(golden)
    frame = with_split(plain, "temporal", {"sizes": {"test": 20}, "cold_kept": {"test": cold}})
    assert cold_splits(frame) == {}
    assert COLD_MARK not in render(build_tables(frame, baseline="talos"), "markdown")
    # Only the diagnostics of the edited split differ: every other table is as it was.
    others = ("accuracy", "efficiency", "convergence", "tuning")
    before = render(build_tables(plain, others, baseline="talos"), "csv")
    assert render(build_tables(frame, others, baseline="talos"), "csv") == before
