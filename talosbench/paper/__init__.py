"""The paper's published tables as package data: every value with the setting it was measured in.

``published.csv`` holds one row per published value (Tables 3.1-3.4, 4.1 and the appendix tables
A.1-A.4, D.2, F.1, docs/protocol.md §8), named with talosbench's names: the dataset as the catalog
names it, the scenario, the backbone, the registered loss (with the paper's label beside it), the
metric and its cut-off K. ``tables.toml`` gives each table's caption and the settings the paper
leaves unstated. Reading them needs no torch, nor anything above the base layer.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from importlib import resources

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

    @property
    def metric_name(self) -> str:
        """As a report names it: ``precision@20``, ``threshold_error@20``, ``seconds_per_epoch``."""
        return self.metric if self.k is None else f"{self.metric}@{self.k}"


@dataclass(frozen=True)
class PaperTable:
    """One published table: its id (``3.1``, ``A.2``), caption, notes and values in printed order."""

    id: str
    caption: str
    notes: tuple[str, ...] = ()
    incomparable: dict[str, str] = field(default_factory=dict)
    """Metric (without K) -> why its published values are not comparable with talosbench's."""
    values: tuple[PublishedValue, ...] = ()

    @property
    def datasets(self) -> list[str]:
        """The datasets in printed order."""
        return list(dict.fromkeys(v.dataset for v in self.values))

    @property
    def backbones(self) -> list[str]:
        """The backbones in printed order."""
        return list(dict.fromkeys(v.backbone for v in self.values))

    @property
    def scenarios(self) -> list[str]:
        """The scenarios in printed order."""
        return list(dict.fromkeys(v.scenario for v in self.values))

    @property
    def metrics(self) -> list[str]:
        """The metric names (with K) in printed order."""
        return list(dict.fromkeys(v.metric_name for v in self.values))

    @property
    def rows(self) -> list[tuple[str, str, int | None]]:
        """The printed rows: (backbone, paper label, negatives), in printed order."""
        return list(dict.fromkeys((v.backbone, v.label, v.negatives) for v in self.values))


@functools.cache
def paper_tables() -> tuple[PaperTable, ...]:
    """Every published table the package holds, in the paper's order."""
    folder = resources.files(__name__)
    meta = tomllib.loads(folder.joinpath(TABLES_FILE).read_text(encoding="utf-8"))["table"]
    values = _read_values(folder.joinpath(VALUES_FILE).read_text(encoding="utf-8"))
    return tuple(
        PaperTable(
            id=str(entry["id"]),
            caption=str(entry["caption"]),
            notes=tuple(entry.get("notes", ())),
            incomparable=dict(entry.get("incomparable", {})),
            values=tuple(v for v in values if v.table == entry["id"]),
        )
        for entry in meta
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
    "PaperError",
    "PaperTable",
    "PublishedValue",
    "paper_table",
    "paper_tables",
    "published_values",
]
