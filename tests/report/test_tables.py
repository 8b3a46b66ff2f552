"""Efficiency, tuning and shift tables on the fabricated suite."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from talosbench.report import build_tables
from talosbench.report.table import Table
from talosbench.results import collect, point_columns


@pytest.fixture(scope="module")
def tables(golden: Path) -> dict[str, list[Table]]:
    out: dict[str, list[Table]] = {}
    for table in build_tables(collect(golden)):
        out.setdefault(table.name, []).append(table)
    return out


def _row(table: Table, *key: str) -> dict[str, str]:
    for row in table.rows:
        texts = [cell.text for cell in row]
        if texts[: len(key)] == list(key):
            return dict(zip(table.columns, texts, strict=True))
    raise AssertionError(f"no row {key} in {table.name}")


def test_efficiency(tables: dict[str, list[Table]]) -> None:
    (table,) = tables["efficiency"]
    talos = _row(table, "ml", "iid", "mf", "talos")
    assert talos["s/epoch"] == "1.20" and talos["× SL"] == "1.20×" and talos["runs"] == "3/3 seeds"
    assert talos["epochs to best"] == "12.0" and talos["wall s (total)"] == "90.00"
    assert talos["device MiB"] == "100.0" and talos["host MiB"] == "200.0"
    bpr = _row(table, "ml", "temporal", "mf", "bpr")
    assert bpr["× SL"] == "0.50×" and bpr["runs"] == "1/3 seeds, 1 failed, 1 missing"
    assert bpr["wall s (total)"] == "60.00"  # the failed run's time counts too


def test_efficiency_flags_rows_timed_on_a_shared_device(golden: Path) -> None:
    frame = collect(golden)
    assert set(frame["shared_device"]) == {None}  # runs stored without it are not flagged
    shared = pl.when(pl.col("loss") == "talos").then(4).otherwise(1).alias("shared_device")
    (table,) = build_tables(frame.with_columns(shared), ["efficiency"])
    assert _row(table, "ml", "iid", "mf", "talos")["s/epoch"] == "1.20‡"
    assert _row(table, "ml", "iid", "mf", "sl")["s/epoch"] == "1.00"
    assert any(line.startswith("‡:") and "up to 4 at once" in line for line in table.footer)
    records = [r for r in table.records if r["metric"] == "shared_device" and r["loss"] == "talos"]
    assert records and all(r["value"] == 4 for r in records)
    (alone,) = build_tables(frame.with_columns(pl.lit(1).alias("shared_device")), ["efficiency"])
    assert not any("‡" in line for line in alone.footer)


def test_tuning(tables: dict[str, list[Table]]) -> None:
    (table,) = tables["tuning"]
    assert len(table.rows) == 1
    row = _row(table, "ml", "iid", "mf", "talos")
    assert row["chosen"] == "k=50" and row["points tried"] == "3" and row["budget"] == "3"
    # The chosen point's validation score is seed 1's final run (the stored chosen trial).
    assert row["valid precision@20 (chosen)"] == "0.2000" and row["failed trials"] == "0"


def test_shift(tables: dict[str, list[Table]]) -> None:
    diagnostics, drops = tables["shift"]
    assert diagnostics.columns == ["diagnostic", "unit", "ml/iid", "ml/temporal"]
    assert _row(diagnostics, "popularity_kl") == {  # a key the report has no name for stays raw
        "diagnostic": "popularity_kl",
        "unit": "",
        "ml/iid": "0.0100",
        "ml/temporal": "0.2500",
    }
    assert _row(diagnostics, "test_users")["ml/temporal"] == "100"
    assert _row(drops, "ml", "mf", "sl")["temporal drop %"] == "+9.52%"
    assert _row(drops, "ml", "mf", "talos")["temporal drop %"] == "+32.26%"
    bpr = _row(drops, "ml", "mf", "bpr")
    assert bpr["temporal drop %"] == "–" and bpr["temporal precision@20"].endswith(
        "(1/3 seeds, 1 failed, 1 missing)"
    )


def test_tuning_and_shift_without_data(golden: Path) -> None:
    frame = collect(golden)
    only_iid = frame.filter(frame["scenario"] == "iid", frame["role"] == "final")
    tuning, _, drops = build_tables(only_iid.drop(point_columns(only_iid)), ["tuning", "shift"])
    assert tuning.rows == [] and "No cell was tuned" in tuning.footer[0]
    assert drops.rows == [] and "No drop to report" in drops.footer[0]
