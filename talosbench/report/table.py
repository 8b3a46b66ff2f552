"""The table model every builder fills and every renderer reads, and the shared cell arithmetic."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from talosbench.declared.backbones import listing_order as backbone_order
from talosbench.declared.losses import paper_table_order
from talosbench.errors import USAGE, TalosbenchError

BACKBONES = tuple(backbone_order())
"""The order backbones are reported in: as they are listed (``BackboneDeclaration.listing_position``)."""
FAILURES = ("diverged", "failed", "oom")
CELL = ("dataset", "scenario", "backbone", "loss")
DASH = "–"


class ReportError(TalosbenchError, ValueError):
    """A report request that cannot be served (no results, unknown metric or baseline)."""

    exit_code = USAGE


@dataclass(frozen=True)
class TableCell:
    """One displayed value with its emphasis."""

    text: str
    bold: bool = False
    underline: bool = False


@dataclass
class Table:
    """A titled grid of cells with a footer and its tidy records (one per cell and metric)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[TableCell]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    rules: set[int] = field(default_factory=set)
    """Row indices preceded by a rule (a new block, e.g. the next backbone)."""
    column_datasets: dict[int, str] = field(default_factory=dict)
    """Column index -> the dataset of its values, for tables laid out with datasets as columns."""
    column_scenarios: dict[int, str] = field(default_factory=dict)
    """Column index -> the scenario of its values, for tables laid out with scenarios as columns."""

    def add(self, *cells: TableCell | str, rule: bool = False) -> None:
        """Append a row; plain strings become unemphasised cells."""
        if rule and self.rows:
            self.rules.add(len(self.rows))
        self.rows.append([cell if isinstance(cell, TableCell) else TableCell(cell) for cell in cells])

    def for_suite(self, suite: str) -> Table:
        """This table as one suite's among several: its title names it, its records carry it."""
        records = [{"suite": suite, **record} for record in self.records]
        return dataclasses.replace(self, title=f"{self.title} — suite {suite}", records=records)


def left_out(table: Table) -> str:
    """The one line that stands for a table without rows: its title and why it is empty (its footer)."""
    reason = table.footer[0] if table.footer else "nothing to show"
    return f"{table.title}: left out, {reason[0].lower()}{reason[1:]}"


def per_dataset(table: Table) -> list[tuple[str, Table]]:
    """The table split into one per dataset (by its ``dataset`` column or its ``column_datasets``).

    Label columns stay in every part; the footer goes with the last part only. A table of one
    dataset (or with no dataset layout) comes back whole, under the name "".
    """
    if "dataset" in table.columns:
        at = table.columns.index("dataset")
        names = list(dict.fromkeys(row[at].text for row in table.rows))
        if len(names) < 2:
            return [("", table)]
        parts = []
        for name in names:
            part = dataclasses.replace(
                table,
                columns=table.columns[:at] + table.columns[at + 1 :],
                rows=[],
                rules=set(),
                footer=[],
                column_datasets={},
                column_scenarios={},
            )
            for index, row in enumerate(table.rows):
                if row[at].text == name:
                    part.add(*row[:at], *row[at + 1 :], rule=index in table.rules)
            parts.append((name, part))
    else:
        names = list(dict.fromkeys(table.column_datasets.values()))
        if len(names) < 2:
            return [("", table)]
        parts = []
        for name in names:
            keep = [i for i in range(len(table.columns)) if table.column_datasets.get(i, name) == name]
            rows = [[row[i] for i in keep] for row in table.rows]
            part = dataclasses.replace(
                table,
                columns=[table.columns[i] for i in keep],
                rows=rows,
                rules=set(table.rules),
                footer=[],
                column_datasets={},
                column_scenarios={},
            )
            parts.append((name, part))
    parts = [(name, dataclasses.replace(part, title=f"{table.title} — {name}")) for name, part in parts]
    parts[-1][1].footer = list(table.footer)
    return parts


@dataclass(frozen=True)
class Planned:
    """What a suite's plan (its ``plan.json``) asks of its final runs: the report holds its tables to it."""

    cells: tuple[tuple[str, ...], ...]
    """Every cell the suite trains, as (dataset, scenario, backbone, loss)."""
    seeds: tuple[int, ...]
    """The reported seeds every cell trains at its chosen point."""
    running: bool = False
    """A runner holds the suite now: its absent runs may be in training or waiting for a worker."""


@dataclass(frozen=True)
class Runs:
    """The final runs of one cell, against the seeds the suite asked for."""

    frame: pl.DataFrame
    expected: int
    running: bool = False
    """The suite is being run now: a missing run may be in training."""

    @property
    def ok(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("status") == "completed")

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.ok.height == self.expected

    def count(self, status: str) -> int:
        return int((self.frame["status"] == status).sum())

    def summary(self) -> str:
        """``3/3 seeds`` or ``2/3 seeds, 1 failed``: never a silently partial mean."""
        parts = [f"{self.ok.height}/{self.expected} seeds"]
        parts += [f"{self.count(status)} {status}" for status in FAILURES if self.count(status)]
        missing = self.expected - self.frame["seed"].n_unique() if self.frame.height else self.expected
        if missing > 0:
            parts.append(f"{missing} {'running or queued' if self.running else 'missing'}")
        return ", ".join(parts)

    def values(self, column: str) -> list[float]:
        """Non-null values of ``column`` over the completed runs, ordered by seed."""
        ok = self.ok.sort("seed")
        return [float(v) for v in ok[column].to_list() if v is not None] if column in ok.columns else []


def runs_by_cell(final: pl.DataFrame, planned: Planned | None = None) -> dict[tuple[str, ...], Runs]:
    """Group final runs by (dataset, scenario, backbone, loss).

    Without a plan, a cell expects every seed seen in ``final``; with one, the plan's seeds, and every
    planned cell is there, one without a stored run too.
    """
    expected = len(planned.seeds) if planned is not None else final["seed"].n_unique()
    running = planned is not None and planned.running
    found = {
        tuple(str(v) for v in key): Runs(group, expected, running)
        for key, group in final.group_by(list(CELL), maintain_order=True)
    }
    for cell in planned.cells if planned is not None else ():
        found.setdefault(cell, Runs(final.clear(), expected, running))
    return found


def partial_label(cells: dict[tuple[str, ...], Runs]) -> str | None:
    """``partial: 9 of 12 planned runs absent`` (absent: not completed), or None when every run completed."""
    total = sum(runs.expected for runs in cells.values())
    absent = sum(max(runs.expected - runs.ok.height, 0) for runs in cells.values())
    return f"partial: {absent} of {total} planned runs absent" if absent else None


def ordered_cells(keys: Iterable[tuple[str, ...]], baseline: str) -> list[tuple[tuple[str, ...], bool]]:
    """Cell keys by dataset, scenario (iid first), backbone, loss (baseline last); flag each block start."""
    keys = set(keys)
    out: list[tuple[tuple[str, ...], bool]] = []
    for dataset in order({k[0] for k in keys}):
        for scenario in scenarios({k[1] for k in keys if k[0] == dataset}):
            block = [k for k in keys if k[:2] == (dataset, scenario)]
            for backbone in order({k[2] for k in block}, BACKBONES):
                for loss in order({k[3] for k in block if k[2] == backbone}, paper_losses(), last=baseline):
                    new_block = not out or out[-1][0][:2] != (dataset, scenario)
                    out.append(((dataset, scenario, backbone, loss), new_block))
    return out


def mean_std(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (None where undefined)."""
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def fmt_metric(mean: float | None, std: float | None) -> str:
    """``0.0642 ± 0.0011`` (four decimals, as the paper prints accuracy)."""
    if mean is None:
        return DASH
    return f"{mean:.4f}" if std is None else f"{mean:.4f} ± {std:.4f}"


def fmt_num(value: float | None) -> str:
    """A duration or count with sensible precision."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:#.3g}"


def fmt_mib(value: float | None) -> str:
    return DASH if value is None else f"{value / 2**20:.1f}"


def order(values: Iterable[str], preferred: Sequence[str] = (), last: str | None = None) -> list[str]:
    """Distinct values: preferred ones in their order, the rest alphabetically, ``last`` at the end."""

    def key(value: str) -> tuple[int, int, str]:
        base = value.split("@")[0]
        rank = preferred.index(base) if base in preferred else len(preferred)
        return (value == last, rank, value)

    return sorted(set(values), key=key)


def paper_losses() -> tuple[str, ...]:
    """The paper's baselines in its tables' order, as each loss declares (``paper_table_position``).

    Tables and plots list these first, other losses after them alphabetically, the baseline last.
    """
    return paper_table_order()


def scenarios(values: Iterable[str]) -> list[str]:
    return order(values, ("iid",))


def column_label(dataset: str, scenario: str, metric: str, with_scenario: bool) -> str:
    where = f"{dataset}/{scenario}" if with_scenario else dataset
    return f"{where} {metric}"


def primary_metric(frame: pl.DataFrame, metrics: Sequence[str]) -> str:
    """The metric of single-metric tables: the first requested, else precision@20, else the first found."""
    if metrics:
        return metrics[0]
    found = test_metrics(frame)
    if not found:
        raise ReportError("the runs hold no test metrics; nothing to report")
    return "precision@20" if "precision@20" in found else found[0]


def test_metrics(frame: pl.DataFrame) -> list[str]:
    return [name.removeprefix("test_") for name in frame.columns if name.startswith("test_")]


def check_metrics(frame: pl.DataFrame, metrics: Sequence[str]) -> list[str]:
    """The requested metrics, or all found; an unknown one is a ReportError listing the choices."""
    found = test_metrics(frame)
    unknown = [m for m in metrics if m not in found]
    if unknown:
        choices = ", ".join(found) or "none"
        raise ReportError(f"unknown metric {', '.join(unknown)}; the runs report: {choices}")
    return list(metrics) or found
