"""A published table laid out as printed: every part fits 100 columns, the missing values and errata show."""

from __future__ import annotations

import pytest

from talosbench.paper import paper_table, paper_tables
from talosbench.report import render
from talosbench.report.published import MISSING, WIDTH, published_tables


@pytest.mark.parametrize("table", [t.id for t in paper_tables()])
def test_every_table_reads_at_100_columns_and_shows_every_printed_cell(table: str) -> None:
    published = paper_table(table)
    parts = published_tables(published)
    text = render(parts, "markdown")
    assert max(len(line) for line in text.splitlines() if line.startswith("|")) <= WIDTH
    cells = [cell.text for part in parts for row in part.rows for cell in row[3:]]
    if any(v.negatives is not None for v in published.values):
        cells = [cell.text for part in parts for row in part.rows for cell in row[4:]]
    assert len(cells) == published.printed
    assert cells.count(MISSING) == len(published.missing)
    assert sum(len(part.records) for part in parts) == len(published.values)


def test_table_3_1_prints_four_datasets_and_three_backbones() -> None:
    parts = published_tables(paper_table("3.1"))
    assert [part.title.split(":")[0] for part in parts] == [
        "Table 3.1 — gowalla",
        "Table 3.1 — amazon-beauty",
        "Table 3.1 — amazon-games",
        "Table 3.1 — amazon-electronics",
    ]
    rows = {(row[0].text, row[1].text): [c.text for c in row[3:]] for row in parts[0].rows}
    assert len(rows) == 30 and {backbone for backbone, _ in rows} == {"mf", "lightgcn", "xsimgcl"}
    assert rows["lightgcn", "Talos"] == ["0.0642", "0.2080"]
    assert rows["lightgcn", "AATP"] == [MISSING, MISSING]
    assert rows["mf", "AdvInfoNCE"] == ["0.0623", "0.2012 [4]"]
    assert {c.text for row in parts[2].rows for c in row[3:]} == {MISSING}  # Games: none held yet
    assert parts[0].columns[3:] == ["precision@20", "recall@20"]
    footer = parts[-1].footer
    assert f"{MISSING}: printed in the paper, not held by talosbench (160 of 240 values)." in footer
    assert (
        "[4] Table 3.1 gowalla mf AdvInfoNCE recall@20 = 0.2012: Table 3.2 prints 0.2013 for the same "
        "setting." in footer
    )
    assert not any(part.footer for part in parts[:-1])


def test_a_table_that_fits_stays_whole_and_a_long_one_is_cut_into_runs_of_columns() -> None:
    (whole,) = published_tables(paper_table("3.2"))
    assert whole.title.startswith("Table 3.2: ") and whole.columns[3:] == [
        "recall@20",
        "recall@50",
        "recall@80",
    ]
    parts = published_tables(paper_table("A.3"))
    assert [p.columns[3:] for p in parts] == [
        ["precision@20", "precision@50", "precision@80"],
        ["precision@100", "precision@200", "precision@400"],
    ]
    assert parts[0].title.startswith("Table A.3 — movielens-100k (precision@20 to precision@80): ")
    wide = published_tables(paper_table("A.3"), width=300)
    assert len(wide) == 1


def test_records_carry_the_errata() -> None:
    records = [r for part in published_tables(paper_table("3.2")) for r in part.records]
    noted = {(r["paper_label"], r["metric"]): r["notes"] for r in records if r["notes"]}
    assert noted["RS@K", "recall@50"].startswith("below the same row's Recall@20 (0.1218)")
    assert len(noted) == 5
