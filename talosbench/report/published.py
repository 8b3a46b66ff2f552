"""A published table as report tables, laid out as printed: its errata marked, its missing values shown.

``talosbench paper ID`` renders these. A table whose text would be wider than ``WIDTH`` columns is
cut into parts (per dataset, then into runs of columns), so that every part reads in a terminal of
that width.
"""

from __future__ import annotations

from collections.abc import Sequence

from talosbench.paper import PAPER, Column, PaperTable, PublishedValue
from talosbench.report.table import Table

SECONDS = "seconds_per_epoch"
MISSING = "?"
"""Stands for a value the paper prints and the package does not hold."""
WIDTH = 100
"""Columns of text a printed table is fitted to."""
LABELS = ["backbone", "loss", "talosbench"]
"""The label columns: the backbone, the loss as the paper names it, and the loss talosbench trains."""


def published_tables(table: PaperTable, width: int = WIDTH) -> list[Table]:
    """``table`` as printed, whole if its text fits ``width`` columns, else cut into parts that do.

    A table is cut per dataset first, then a dataset's columns into runs that fit. The footer
    (notes, errata, what is missing) goes with the last part.
    """
    marks = note_marks(table.values)
    single = len(table.datasets) == 1
    whole = _part(table, table.columns, marks, f"Table {table.id}: {table.caption}", with_dataset=not single)
    parts = [whole]
    if text_width(whole) > width:
        parts = []
        for dataset in table.datasets:
            chunks = _fitting(table, [c for c in table.columns if c[0] == dataset], marks, width)
            for columns in chunks:
                which = f" ({columns[0][2]} to {columns[-1][2]})" if len(chunks) > 1 else ""
                title = f"Table {table.id} — {dataset}{which}: {table.caption}"
                parts.append(_part(table, columns, marks, title, with_dataset=False))
    parts[-1].footer = footer(table, marks)
    return parts


def _fitting(
    table: PaperTable, columns: list[Column], marks: dict[PublishedValue, int], width: int
) -> list[list[Column]]:
    """``columns`` in runs whose part fits ``width`` (a run holds one column at least)."""
    runs: list[list[Column]] = [[]]
    for column in columns:
        trial = _part(table, [*runs[-1], column], marks, "", with_dataset=False)
        if runs[-1] and text_width(trial) > width:
            runs.append([])
        runs[-1].append(column)
    return runs


def note_marks(values: Sequence[PublishedValue]) -> dict[PublishedValue, int]:
    """A number for every value with errata, in printed order: ``[n]`` beside it, ``[n] ...`` below."""
    return {value: n for n, value in enumerate((v for v in values if v.notes), start=1)}


def value_text(value: PublishedValue, marks: dict[PublishedValue, int]) -> str:
    """As printed (seconds with two decimals, the rest with four), with its erratum mark."""
    text = f"{value.value:.2f}" if value.metric == SECONDS else f"{value.value:.4f}"
    return f"{text} [{marks[value]}]" if value in marks else text


def errata_lines(marks: dict[PublishedValue, int]) -> list[str]:
    """``[n] Table 3.2 gowalla mf RS@K recall@50 = 0.1059: ...``, one per marked value."""
    return [
        f"[{n}] Table {v.table} {v.dataset} {v.backbone} {v.label} {v.metric_name} = "
        f"{value_text(v, {})}: {'; '.join(v.notes)}."
        for v, n in marks.items()
    ]


def footer(table: PaperTable, marks: dict[PublishedValue, int]) -> list[str]:
    """Where the values come from, the table's notes, what is not comparable, missing or doubtful."""
    scenario = "" if len(table.scenarios) > 1 else f"Scenario: {table.scenarios[0]}. "
    lines = [f"{scenario}Values as printed in {PAPER}; Imp. rows are left out.", *table.notes]
    lines += [
        f"{name} is not comparable with talosbench's: {inc.why}." for name, inc in table.incomparable.items()
    ]
    missing = len(table.missing)
    if missing:
        lines.append(
            f"{MISSING}: printed in the paper, not held by talosbench ({missing} of {table.printed} values)."
        )
    return lines + errata_lines(marks)


def text_width(table: Table) -> int:
    """Characters of the widest line of ``table``'s text grid (two spaces of padding, `` | `` between)."""
    widths = [len(name) for name in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell.text)) for w, cell in zip(widths, row, strict=True)]
    return sum(w + 2 for w in widths) + 3 * len(widths) + 1


def _part(
    table: PaperTable, columns: list[Column], marks: dict[PublishedValue, int], title: str, with_dataset: bool
) -> Table:
    """The rows of ``table`` over ``columns``; records of the values it holds there."""
    varied = any(v.negatives is not None for v in table.values)
    head = [*LABELS, *(["negatives"] if varied else [])]
    datasets = list(dict.fromkeys(dataset for dataset, _, _ in columns))
    out = Table(f"paper-{table.id}" + ("" if with_dataset else f"-{'-'.join(datasets)}"), title, head)
    scenarios = len(table.scenarios) > 1
    for dataset, scenario, metric in columns:
        where = "/".join([*([dataset] if with_dataset else []), *([scenario] if scenarios else [])])
        out.columns.append(f"{where} {metric}".strip())
    previous = None
    for row in table.rows:
        backbone, label, negatives = row
        first = [backbone, label, _loss_text(table.label_value(label)), *([str(negatives)] if varied else [])]
        cells = [table.value_at(row, column) for column in columns]
        texts = [MISSING if v is None else value_text(v, marks) for v in cells]
        out.add(*first, *texts, rule=backbone != previous)
        previous = backbone
    shown = set(columns)
    out.records += [
        {
            "dataset": v.dataset,
            "scenario": v.scenario,
            "backbone": v.backbone,
            "loss": v.loss,
            "metric": v.metric_name,
            "value": v.value,
            "paper_table": v.table,
            "paper_label": v.label,
            "loss_k": v.loss_k,
            "negatives": v.negatives,
            "notes": "; ".join(v.notes) or None,
        }
        for v in table.values
        if (v.dataset, v.scenario, v.metric_name) in shown
    ]
    return out


def _loss_text(value: PublishedValue) -> str:
    """The registered loss and what the paper's label sets beyond the default (``talos, k=50``)."""
    extra = [f"k={value.loss_k}"] if value.loss_k not in (None, 20) else []
    return ", ".join([value.loss, *extra])
