"""Every table in every format: markdown, LaTeX, HTML, and tidy CSV / JSON."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from talosbench.report import build_tables, render, report
from talosbench.results import collect

TITLES = [
    "Accuracy (test, best validation snapshot)",
    "Efficiency",
    "Convergence variance",
    "Tuning",
    "Shift: split diagnostics",
    "Shift: drop of test precision@20 from iid",
]


@pytest.fixture(scope="module")
def rendered(golden: Path) -> dict[str, str]:
    return {fmt: report(golden, fmt=fmt) for fmt in ("markdown", "latex", "html", "csv", "json")}


def test_markdown_has_every_table(rendered: dict[str, str]) -> None:
    text = rendered["markdown"]
    assert [line[4:] for line in text.splitlines() if line.startswith("### ")] == TITLES
    assert "| mf         | talos        | **0.3100 ± 0.0100**" in text
    for snippet in ("1.20×", "1.43%", "k=50", "popularity_kl", "+9.52%"):
        assert snippet in text


def test_latex_booktabs_marks_and_escaping(rendered: dict[str, str]) -> None:
    text = rendered["latex"]
    assert text.count(r"\begin{table}") == len(TITLES) == text.count(r"\end{table}")
    assert text.count(r"\toprule") == len(TITLES) == text.count(r"\bottomrule")
    assert r"\textbf{0.3100 $\pm$ 0.0100}" in text and r"\underline{0.2100 $\pm$ 0.0100}" in text
    assert r"mf & Imp.\% & +47.62\%$\uparrow$* vs sl" in text
    assert r"popularity\_kl" in text and r"1.20$\times$" in text and r"p $<$ 0.05" in text
    assert r"\caption{Shift: drop of test precision@20 from iid}" in text
    # Nothing unescaped that breaks LaTeX: no raw %, _, ± or × outside math.
    body = text.split("\n", 1)[1]
    assert "±" not in body and "×" not in body and not re.search(r"(?<!\\)_", body)
    assert body.count("{") == body.count("}")
    for line in body.splitlines():
        assert "%" not in line.replace(r"\%", "")


def test_html_is_balanced_with_marks(rendered: dict[str, str]) -> None:
    text = rendered["html"]
    assert text.startswith("<!DOCTYPE html>")
    assert "<strong>0.3100 ± 0.0100</strong>" in text and "<u>0.2100 ± 0.0100</u>" in text

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag != "meta":
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack.pop() == tag

    parser = Balance()
    parser.feed(text)
    assert parser.stack == []
    assert text.count("<table>") == len(TITLES)


def _tidy(frame: pl.DataFrame) -> None:
    assert set(frame["table"]) == {"accuracy", "efficiency", "convergence", "tuning", "shift"}
    cell = frame.filter(table="accuracy", scenario="iid", loss="talos", metric="precision@20").row(
        0, named=True
    )
    assert cell["value"] == pytest.approx(0.31) and cell["std"] == pytest.approx(0.01)
    assert cell["best"] is True and cell["runs"] == "3/3 seeds" and cell["n"] == 3
    imp = frame.filter(table="accuracy", scenario="iid", loss="Imp.%", metric="precision@20").row(
        0, named=True
    )
    assert imp["value"] == pytest.approx(100 / 0.21 * 0.1) and imp["vs"] == "sl"
    assert imp["p_holm"] < 0.05 and imp["users"] == 40 and imp["seeds"] == 3 and imp["test"] == "paired t"
    assert imp["imp_low"] > 40 and imp["p_better"] == 1.0
    ratio = frame.filter(table="efficiency", scenario="iid", loss="talos", metric="ratio_to_sl")
    assert ratio["value"].item() == pytest.approx(1.2)
    assert frame.filter(table="tuning", metric="points_tried")["value"].to_list() == [3.0]
    drop = frame.filter(table="shift", metric="drop_pct", loss="sl")
    assert drop["value"].item() == pytest.approx(100 * 0.02 / 0.21)


def test_csv_is_tidy(rendered: dict[str, str]) -> None:
    frame = pl.read_csv(io.StringIO(rendered["csv"]), infer_schema_length=None)
    assert frame.columns[:8] == ["table", "dataset", "scenario", "backbone", "loss", "metric", "value", "std"]
    _tidy(frame)


def test_json_is_tidy(rendered: dict[str, str]) -> None:
    records = json.loads(rendered["json"])
    assert isinstance(records, list) and all("table" in r and "metric" in r for r in records)
    _tidy(pl.DataFrame(records, infer_schema_length=None))


def test_notes_follow_the_tables_except_in_tidy_formats(golden: Path) -> None:
    tables = build_tables(collect(golden), ["efficiency"])
    notes = ["2 left out: <stale>"]
    assert render(tables, "markdown", notes) == render(tables, "markdown") + "\nNote: 2 left out: <stale>\n"
    assert render(tables, "latex", notes).endswith("\\end{table}\n\n% Note: 2 left out: <stale>\n")
    assert '<p class="note">Note: 2 left out: &lt;stale&gt;</p>\n</body>' in render(tables, "html", notes)
    for fmt in ("csv", "json"):  # records only: the CLI prints the notes to stderr
        assert render(tables, fmt, notes) == render(tables, fmt)


def test_html_label_columns_are_left_aligned(rendered: dict[str, str]) -> None:
    """A column of names (no cell a number) is marked text, so it reads left-aligned; numbers stay right."""

    class Columns(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[list[list[tuple[str, str]]]] = []  # per table, per row: (class, text)
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = [dict(attrs).get("class") or ""]

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None:
                self.tables[-1][-1].append((self.cell[0], "".join(self.cell[1:])))
                self.cell = None

    parser = Columns()
    parser.feed(rendered["html"])
    number = re.compile(r"^[+\-−]?\d|^–$|^$")  # digits, a sign, or the dash of a missing value
    labels = 0
    for head, *body in parser.tables:
        for index, (css, name) in enumerate(head):
            cells = [row[index] for row in body if index < len(row)]
            if cells and not any(number.match(text) for _, text in cells):
                labels += 1
                assert css == "text" and all(c == "text" for c, _ in cells), (name, cells[:3])
            if cells and all(re.match(r"[+\-−]?\d", text) and "seeds" not in text for _, text in cells):
                assert css == "", name  # a column of numbers stays right-aligned
    assert labels >= 5  # backbone, loss, dataset, ..., and the shift table's diagnostic and unit
