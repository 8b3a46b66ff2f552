"""Readable tables: shift diagnostics with names and units, empty tables as one line, long ones split."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from talosbench.report import build_tables, render
from talosbench.report.shift import diagnostic_name, diagnostics_table
from talosbench.report.table import Table, per_dataset
from talosbench.results import collect, point_columns

SPLIT = {  # as data.scenarios.diagnostics reports a split, with a temporal split's cold counts
    "sizes": {"train": 87688, "valid": 18394, "test": 33472},
    "fractions": {"train": 0.62834, "valid": 0.13180, "test": 0.23985},
    "users": {"train": 15603, "valid": 15603, "test": 15603},
    "items": {"train": 8673, "valid": 6000, "test": 7000},
    "js_divergence_item_popularity": 0.01234,
    "dropped_cold": {"valid": 0, "test": 12},
    "valid_carved_from_train": False,
}


def test_diagnostics_have_names_and_units() -> None:
    final = pl.DataFrame({"dataset": ["beauty"], "scenario": ["temporal"], "split": [json.dumps(SPLIT)]})
    table = diagnostics_table(final)
    rows = {row[0].text: (row[1].text, row[2].text) for row in table.rows}
    assert list(rows)[:4] == [  # grouped as a reader goes: sizes, then shares, ...; training first
        "training interactions",
        "validation interactions",
        "test interactions",
        "training share of interactions",
    ]
    assert table.columns == ["diagnostic", "unit", "beauty/temporal"]
    assert rows["training interactions"] == ("count", "87,688")
    assert rows["training share of interactions"] == ("%", "62.8")
    assert rows["test share of interactions"] == ("%", "24.0")
    assert rows["users in validation"] == ("count", "15,603")
    assert rows["item popularity shift, training vs test (Jensen-Shannon)"] == ("0-1", "0.0123")
    assert rows["cold test rows dropped"] == ("count", "12")
    assert rows["validation carved from training"] == ("yes / no", "no")
    assert not any("." in name or "_" in name for name in rows)  # no raw key left
    record = next(r for r in table.records if r["metric"] == "fractions.train")
    assert record["value"] == 0.62834 and record["unit"] == "%"  # tidy records keep the raw value


def test_unknown_diagnostic_stays_raw() -> None:
    assert diagnostic_name("popularity_kl") == ("popularity_kl", "")
    assert diagnostic_name("sizes") == ("sizes", "")  # a group without its part is not guessed
    assert diagnostic_name("sizes.extra") == ("sizes.extra", "")


def test_empty_tables_are_one_line(golden: Path) -> None:
    frame = collect(golden)
    only_iid = frame.filter(frame["scenario"] == "iid", frame["role"] == "final")
    tables = build_tables(only_iid.drop(point_columns(only_iid)), ["tuning", "shift"])
    text = render(tables, "markdown")
    assert "### Tuning" not in text and "### Shift: drop" not in text
    lines = text.splitlines()
    assert "*Tuning: left out, no cell was tuned" in "\n".join(lines)
    drop = [line for line in lines if line.startswith("*Shift: drop of test precision@20 from iid: left out")]
    assert drop == [
        "*Shift: drop of test precision@20 from iid: left out, no drop to report: it needs iid runs and "
        "runs of at least one shift scenario.*"
    ]
    assert "### Shift: split diagnostics" in text  # not empty: shown as before
    assert "% Tuning: left out" in render(tables, "latex")
    assert '<p class="note">Tuning: left out' in render(tables, "html")


def _long(rows: int) -> Table:
    table = Table("t", "Long", ["dataset", "loss", "value"], footer=["the footer"])
    for i in range(rows):
        table.add("a" if i < rows // 2 else "b", f"loss{i}", f"{i}", rule=i in (0, rows // 2))
    return table


def test_long_tables_split_per_dataset() -> None:
    text = render([_long(50)], "markdown")
    assert [line for line in text.splitlines() if line.startswith("###")] == ["### Long — a", "### Long — b"]
    assert text.count("the footer") == 1 and text.index("the footer") > text.index("### Long — b")
    assert "| loss   | value   |" in text  # the dataset column is the title now
    short = render([_long(10)], "markdown")
    assert [line for line in short.splitlines() if line.startswith("###")] == ["### Long"]
    assert "Long — a" not in render([_long(50)], "latex") + render([_long(50)], "html")


def test_wide_tables_split_by_dataset_columns() -> None:
    table = Table("w", "Wide", ["backbone", "loss"])
    metrics = [f"{m}@{k}" for m in ("precision", "recall") for k in (20, 50)]
    columns = [f"{d} {metric}" for d in ("gowalla", "beauty") for metric in metrics]
    table.columns += columns
    table.column_datasets = {2 + i: column.split()[0] for i, column in enumerate(columns)}
    table.add("mf", "talos", *["0.0642 ± 0.0011 (3/3 seeds)"] * len(columns))
    parts = per_dataset(table)
    assert [name for name, _ in parts] == ["gowalla", "beauty"]
    assert parts[1][1].columns == ["backbone", "loss", *columns[4:]]
    text = render([table], "markdown")
    assert "### Wide — gowalla" in text and "### Wide — beauty" in text
    assert max(map(len, text.splitlines())) < 160
