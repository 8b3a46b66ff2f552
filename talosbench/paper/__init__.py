"""The paper's published tables as package data: every value with the setting it was measured in.

``published.csv`` holds one row per published value (Tables 3.1-3.4, 4.1 and the appendix tables
A.1-A.4, D.2, F.1, docs/protocol.md §8), named with talosbench's names: the dataset as the catalog
names it, the scenario, the backbone, the registered loss (with the paper's label beside it), the
metric and its cut-off K. ``tables.toml`` gives each table's caption, its printed size and layout,
the settings the paper fixed or leaves unstated, and the errata noted on single values. Reading them
needs no torch, nor anything above the base layer.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from talosbench.errors import USAGE, TalosbenchError
from talosbench.toml import tomllib

PAPER = "Talos: Optimizing Top-K Accuracy in Recommender Systems (WWW 2026)"
VALUES_FILE = "published.csv"
TABLES_FILE = "tables.toml"
COLUMNS = (
    "table",
    "dataset",
    "scenario",
    "backbone",
    "label",
    "loss",
    "loss_k",
    "negatives",
    "metric",
    "k",
    "value",
)


class PaperError(TalosbenchError, ValueError):
    """A request for a published table the package does not hold."""

    exit_code = USAGE


@dataclass(frozen=True)
class PublishedValue:
    """One number as printed in the paper, with the setting it belongs to."""

    table: str
    dataset: str
    scenario: str
    backbone: str
    label: str
    """The paper's name of the loss (``Talos@50``, ``w/o-outside``)."""
    loss: str
    """The registered loss that trains it (``talos``, ``talos-inside-temp``)."""
    loss_k: int | None
    """The K the loss was trained for, for losses that take one (the paper's default is 20)."""
    negatives: int | None
    """Sampled negatives per row where the table varies them (Table A.2); None elsewhere."""
    metric: str
    """``precision``, ``recall``, ``ndcg``, ``mrr``, ``threshold_error`` or ``seconds_per_epoch``."""
    k: int | None
    """The evaluation cut-off of a ranking metric; None for seconds per epoch."""
    value: float
    notes: tuple[str, ...] = ()
    """Errata on this one value (it disagrees with another table, or cannot be right as printed)."""
    trained_negatives: int | None = None
    """Sampled negatives per row the paper trained it with: ``negatives`` where the table varies them,
    else the table's fixed setting for the loss; None where the paper states none."""

    @property
    def metric_name(self) -> str:
        """As a report names it: ``precision@20``, ``threshold_error@20``, ``seconds_per_epoch``."""
        return self.metric if self.k is None else f"{self.metric}@{self.k}"


@dataclass(frozen=True)
class Incomparable:
    """Why a metric's published values are shown beside talosbench's but not compared with them."""

    label: str
    """What stands in place of the relative difference (``not comparable``)."""
    why: str
    """The reason, for the footer."""


Row = tuple[str, str, int | None]
"""A printed row: (backbone, paper label, negatives where the table varies them)."""
Column = tuple[str, str, str]
"""A printed column: (dataset, scenario, metric name with K)."""


@dataclass(frozen=True)
class PaperTable:
    """One published table: its id (``3.1``, ``A.2``), caption, notes and values in printed order."""

    id: str
    caption: str
    printed: int = 0
    """How many values the paper prints (rows x columns, Imp. rows left out)."""
    notes: tuple[str, ...] = ()
    incomparable: dict[str, Incomparable] = field(default_factory=dict)
    """Metric (without K) -> why its published values are not comparable with talosbench's."""
    values: tuple[PublishedValue, ...] = ()
    layout_backbones: tuple[str, ...] = ()
    """The printed backbones where the values lack some (empty: the values' own)."""
    layout_datasets: tuple[str, ...] = ()
    """The printed datasets where the values lack some (empty: the values' own)."""
    suite: str | None = None
    """The shipped suite whose protocol and grids reproduce the table."""

    @property
    def datasets(self) -> list[str]:
        """The datasets in printed order."""
        return list(self.layout_datasets) or list(dict.fromkeys(v.dataset for v in self.values))

    @property
    def backbones(self) -> list[str]:
        """The backbones in printed order."""
        return list(self.layout_backbones) or list(dict.fromkeys(v.backbone for v in self.values))

    @property
    def scenarios(self) -> list[str]:
        """The scenarios in printed order."""
        return list(dict.fromkeys(v.scenario for v in self.values))

    @property
    def metrics(self) -> list[str]:
        """The metric names (with K) in printed order."""
        return list(dict.fromkeys(v.metric_name for v in self.values))

    @property
    def rows(self) -> list[Row]:
        """The printed rows: (backbone, paper label, negatives), in printed order."""
        if not self.layout_backbones:
            return list(dict.fromkeys((v.backbone, v.label, v.negatives) for v in self.values))
        labels = dict.fromkeys((v.label, v.negatives) for v in self.values)
        return [(backbone, *label) for backbone in self.layout_backbones for label in labels]

    @property
    def columns(self) -> list[Column]:
        """The printed columns: (dataset, scenario, metric name), in printed order."""
        if not self.layout_datasets:
            return list(dict.fromkeys((v.dataset, v.scenario, v.metric_name) for v in self.values))
        return [(d, s, m) for d in self.layout_datasets for s in self.scenarios for m in self.metrics]

    def value_at(self, row: Row, column: Column) -> PublishedValue | None:
        """The value printed in ``row`` and ``column``; None where the package does not hold it."""
        return self._grid().get((*row, *column))

    @property
    def missing(self) -> list[tuple[Row, Column]]:
        """Printed cells whose value the package does not hold, in printed order."""
        grid = self._grid()
        return [(r, c) for r in self.rows for c in self.columns if (*r, *c) not in grid]

    def label_value(self, label: str) -> PublishedValue:
        """A value of the row labelled ``label`` (what loss, K and negatives the label stands for)."""
        return next(v for v in self.values if v.label == label)

    def _grid(self) -> dict[tuple, PublishedValue]:
        return {
            (v.backbone, v.label, v.negatives, v.dataset, v.scenario, v.metric_name): v for v in self.values
        }


@functools.cache
def paper_tables() -> tuple[PaperTable, ...]:
    """Every published table the package holds, in the paper's order."""
    folder = resources.files(__name__)
    meta = tomllib.loads(folder.joinpath(TABLES_FILE).read_text(encoding="utf-8"))["table"]
    values = _read_values(folder.joinpath(VALUES_FILE).read_text(encoding="utf-8"))
    return tuple(_table(entry, [v for v in values if v.table == entry["id"]]) for entry in meta)


def _table(entry: dict[str, Any], values: list[PublishedValue]) -> PaperTable:
    """One ``[[table]]`` of tables.toml with its values, errata and trained negatives attached."""
    errata: dict[tuple[str, ...], list[str]] = {}
    for erratum in entry.get("errata", ()):
        key = tuple(erratum[name] for name in ("dataset", "backbone", "label", "metric"))
        if not any((v.dataset, v.backbone, v.label, v.metric_name) == key for v in values):
            raise PaperError(
                f"{TABLES_FILE}: Table {entry['id']} has an erratum on {key}, which it does not print"
            )
        errata.setdefault(key, []).append(str(erratum["note"]))
    fixed = entry.get("negatives", {})
    layout = entry.get("layout", {})
    return PaperTable(
        id=str(entry["id"]),
        caption=str(entry["caption"]),
        printed=int(entry["printed"]),
        notes=tuple(entry.get("notes", ())),
        incomparable={name: Incomparable(**why) for name, why in entry.get("incomparable", {}).items()},
        values=tuple(
            replace(
                v,
                notes=tuple(errata.get((v.dataset, v.backbone, v.label, v.metric_name), ())),
                trained_negatives=v.negatives or fixed.get(v.loss, fixed.get("default")),
            )
            for v in values
        ),
        layout_backbones=tuple(layout.get("backbones", ())),
        layout_datasets=tuple(layout.get("datasets", ())),
        suite=entry.get("suite"),
    )


def paper_table(table_id: str) -> PaperTable:
    """The published table ``table_id`` (``3.1``, ``a.2`` or ``Table A.2``); unknown ids list the choices."""
    wanted = table_id.strip().upper().removeprefix("TABLE").strip()
    for table in paper_tables():
        if table.id == wanted:
            return table
    known = ", ".join(table.id for table in paper_tables())
    raise PaperError(f"no published table '{table_id}'; the package holds {known} (see `talosbench paper`)")


def published_values() -> list[PublishedValue]:
    """Every published value, table by table."""
    return [value for table in paper_tables() for value in table.values]


def _read_values(text: str) -> list[PublishedValue]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise PaperError(f"{VALUES_FILE}: columns {reader.fieldnames}, expected {list(COLUMNS)}")
    texts = ("table", "dataset", "scenario", "backbone", "label", "loss", "metric")
    return [
        PublishedValue(
            **{name: row[name] for name in texts},
            loss_k=_int(row["loss_k"]),
            negatives=_int(row["negatives"]),
            k=_int(row["k"]),
            value=float(row["value"]),
        )
        for row in reader
    ]


def _int(text: str) -> int | None:
    return int(text) if text else None


__all__ = [
    "PAPER",
    "Column",
    "Incomparable",
    "PaperError",
    "PaperTable",
    "PublishedValue",
    "Row",
    "paper_table",
    "paper_tables",
    "published_values",
]
