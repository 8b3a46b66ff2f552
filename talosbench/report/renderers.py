"""Renderers: markdown (GitHub), LaTeX (booktabs), HTML, and tidy CSV / JSON (one row per cell and metric)."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import polars as pl
from tabulate import tabulate

from talosbench.report.table import CELL, Table, TableCell, left_out, per_dataset

LONG_ROWS, WIDE = 40, 160
"""Markdown tables longer (rows) or wider (characters) than these are split per dataset."""
TIDY_HEAD = ("table", "suite", *CELL, "metric", "value", "std", "n", "expected", "runs", "text")
_TEXT_COLUMNS = {
    *CELL,
    "runs",
    "chosen",
    "values tried",
    "diagnostic",
    "unit",
    "metric",
    "published in",
    "talosbench",
}
"""Columns of names and labels: left-aligned (HTML, LaTeX); every other column holds numbers."""
_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "×": r"$\times$",
    "–": "--",
    "−": "$-$",
    "†": r"$^\dagger$",
    "§": r"\S{}",
    "≥": r"$\geq$",
    "<": "$<$",
    ">": "$>$",
    "↑": r"$\uparrow$",
    "↓": r"$\downarrow$",
}


def render(tables: Sequence[Table], fmt: str, notes: Sequence[str] = ()) -> str:
    """The tables in one of ``names.FORMATS``.

    ``notes`` (what the report left out) follow the tables, except in the tidy CSV / JSON formats,
    whose readers expect records only.
    """
    if fmt == "csv":
        return tidy_csv(tables)
    if fmt == "json":
        return tidy_json(tables)
    renderers = {"markdown": markdown, "latex": latex, "html": to_html}
    return renderers[fmt](tables, notes)


def markdown(tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    """GitHub markdown: bold as **x**, runner-up as <u>x</u>, footers and notes as paragraphs.

    A table without rows is one line saying why; a long or wide table covering several datasets
    is split into one table per dataset, so that it reads in a terminal.
    """
    parts = []
    for table in tables:
        if not table.rows:
            parts.append(f"*{left_out(table)}*")
            continue
        grid = _md_grid(table)
        if len(table.rows) > LONG_ROWS or max(map(len, grid.splitlines())) > WIDE:
            pieces = [piece for _, piece in per_dataset(table)]
            if len(pieces) > 1:
                parts += ["\n\n".join([f"### {p.title}", _md_grid(p), *p.footer]) for p in pieces]
                continue
        parts.append("\n\n".join([f"### {table.title}", grid, *table.footer]))
    return "\n\n".join(parts + [f"Note: {note}" for note in notes]) + "\n"


def _md_grid(table: Table) -> str:
    rows = [[_md_cell(cell) for cell in row] for row in table.rows]
    return tabulate(rows, headers=table.columns, tablefmt="github", disable_numparse=True)


def latex(tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    """One booktabs ``table`` environment per table; needs ``\\usepackage{booktabs}``; notes as comments."""
    parts = ["% Requires \\usepackage{booktabs} in the preamble."]
    for table in tables:
        if not table.rows:
            parts.append(f"% {_tex(left_out(table))}")
            continue
        spec = "".join("l" if name in _TEXT_COLUMNS else "r" for name in table.columns)
        lines = [
            r"\begin{table}[htbp]",
            r"\centering",
            rf"\caption{{{_tex(table.title)}}}",
            rf"\label{{tab:{table.name}}}",
            rf"\begin{{tabular}}{{{spec}}}",
            r"\toprule",
            " & ".join(_tex(name) for name in table.columns) + r" \\",
            r"\midrule",
        ]
        for index, row in enumerate(table.rows):
            if index in table.rules and index > 0:
                lines.append(r"\midrule")
            lines.append(" & ".join(_tex_cell(cell) for cell in row) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        if table.footer:
            lines += [r"\par\smallskip", r"{\footnotesize " + " ".join(_tex(n) for n in table.footer) + "}"]
        lines.append(r"\end{table}")
        parts.append("\n".join(lines))
    # Comments: visible to whoever includes the tables, never typeset into the paper.
    return "\n\n".join(parts + [f"% Note: {note}" for note in notes]) + "\n"


def to_html(tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    """A standalone HTML page with one table per section."""
    style = (
        "body{font-family:sans-serif}table{border-collapse:collapse}th,td{padding:2px 8px;text-align:right}"
        ".text{text-align:left}"
        "thead th{border-bottom:1px solid #000}tr.rule td{border-top:1px solid #888}.note{font-size:small}"
    )
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>talosbench report</title>'
        f"<style>{style}</style></head><body>\n" + html_tables(tables, notes) + "\n</body></html>\n"
    )


def html_tables(tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    """The tables as HTML sections (``<section id="table-NAME">``), the notes as paragraphs after them."""
    body = []
    for table in tables:
        if not table.rows:  # an empty table is one line saying why
            body.append(f'<p class="note">{html.escape(left_out(table))}</p>')
            continue
        # Text columns (names, run counts) read left-aligned, numbers right-aligned, as in LaTeX.
        kinds = [' class="text"' if name in _TEXT_COLUMNS else "" for name in table.columns]
        head = "".join(
            f"<th{k}>{html.escape(name)}</th>" for k, name in zip(kinds, table.columns, strict=True)
        )
        rows = []
        for index, row in enumerate(table.rows):
            css = ' class="rule"' if index in table.rules and index > 0 else ""
            cells = "".join(f"<td{k}>{_html_cell(cell)}</td>" for k, cell in zip(kinds, row, strict=False))
            rows.append(f"<tr{css}>{cells}</tr>")
        footer = "".join(f'<p class="note">{html.escape(note)}</p>' for note in table.footer)
        body.append(
            f'<section id="table-{html.escape(table.name)}"><h2>{html.escape(table.title)}</h2>'
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>{footer}</section>"
        )
    body += [f'<p class="note">Note: {html.escape(note)}</p>' for note in notes]
    return "\n".join(body)


def tidy_records(tables: Sequence[Table]) -> list[dict[str, Any]]:
    """Every table's records tagged with the table name, non-finite numbers as null."""
    out = []
    for table in tables:
        for record in table.records:
            row = {"table": table.name, **record}
            out.append({key: _clean(key, value) for key, value in row.items()})
    return out


def tidy_csv(tables: Sequence[Table]) -> str:
    records = tidy_records(tables)
    if not records:
        return ",".join(TIDY_HEAD) + "\n"
    frame = pl.DataFrame(records, infer_schema_length=None)
    head = [name for name in TIDY_HEAD if name in frame.columns]
    return frame.select(*head, *(name for name in frame.columns if name not in head)).write_csv()


def tidy_json(tables: Sequence[Table]) -> str:
    return json.dumps(tidy_records(tables), indent=2, allow_nan=False) + "\n"


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    # One numeric type in the value column keeps CSV / JSON consumers simple (counts become floats).
    if key == "value" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _md_cell(cell: TableCell) -> str:
    text = cell.text.replace("|", r"\|")
    if cell.underline:
        text = f"<u>{text}</u>"
    return f"**{text}**" if cell.bold else text


def _tex(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(char, char) for char in text)


def _tex_cell(cell: TableCell) -> str:
    text = _tex(cell.text)
    if cell.underline:
        text = rf"\underline{{{text}}}"
    return rf"\textbf{{{text}}}" if cell.bold else text


def _html_cell(cell: TableCell) -> str:
    text = html.escape(cell.text)
    if cell.underline:
        text = f"<u>{text}</u>"
    return f"<strong>{text}</strong>" if cell.bold else text
