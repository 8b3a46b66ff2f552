"""The paper beside the user's numbers: a published table as a report table, and ``report --vs-paper``.

A measured cell matches a published value when its dataset, scenario, backbone, loss, metric and K
are the published ones. The loss is the paper's: the registered loss, the K it was trained for
(Talos@50 is ``talos`` with ``k = 50``; the paper's default is 20) and, for Table A.2, the number of
sampled negatives. Nothing else of the setting is compared (see ``NOT_COMPARED``).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.paper import PAPER, PaperTable, PublishedValue, paper_tables, published_values
from talosbench.report.model import (
    DASH,
    Runs,
    Table,
    fmt_metric,
    mean_std,
    ordered_cells,
    runs_by_cell,
)

SECONDS = "seconds_per_epoch"
THRESHOLD_ERROR = "threshold_error"
MATCHED_ON = (
    "Matched on dataset, scenario, backbone, loss (the paper's: the K the loss was trained for, and "
    "Table A.2's sampled negatives), metric and K."
)
NOT_COMPARED = (
    "Settings beyond those are not compared: the paper trained with 1024 sampled negatives per row "
    "(BPR 1), batch 1024, embedding size 64, its own tuning grids, seeds and hardware; a difference "
    "may come from any of them."
)


@dataclass(frozen=True)
class CellSetting:
    """What of a measured cell's setting a published value is matched against."""

    dataset: str
    scenario: str
    backbone: str
    loss: str
    """The registered loss the cell trains (its grid label may differ: ``talos@50``)."""
    loss_k: int | None
    negatives: int | None

    def matches(self, value: PublishedValue) -> bool:
        """Whether ``value`` was published for this setting (metric aside)."""
        return (
            (value.dataset, value.scenario, value.backbone, value.loss)
            == (self.dataset, self.scenario, self.backbone, self.loss)
            and (value.loss_k is None or value.loss_k == self.loss_k)
            and (value.negatives is None or value.negatives == self.negatives)
        )


def published_table(table: PaperTable) -> Table:
    """A published table laid out as printed: one row per loss (and backbone), one column per value."""
    columns = list(dict.fromkeys((v.dataset, v.scenario, v.metric_name) for v in table.values))
    with_scenario = len(table.scenarios) > 1
    varied_negatives = any(v.negatives is not None for v in table.values)
    head = ["backbone", "loss (paper)", "loss (talosbench)", *(["negatives"] if varied_negatives else [])]
    out = Table(f"paper-{table.id}", f"Table {table.id}: {table.caption}", head)
    out.columns += [_column(d, s, m, with_scenario) for d, s, m in columns]
    found = {
        (v.backbone, v.label, v.negatives, v.dataset, v.scenario, v.metric_name): v for v in table.values
    }
    previous = None
    for backbone, label, negatives in table.rows:
        cells = [found.get((backbone, label, negatives, *column)) for column in columns]
        first = next(v for v in cells if v is not None)
        row = [backbone, label, _loss_text(first), *([str(negatives)] if varied_negatives else [])]
        out.add(*row, *(DASH if v is None else _value_text(v) for v in cells), rule=backbone != previous)
        previous = backbone
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
        }
        for v in table.values
    ]
    scenario = "" if with_scenario else f"Scenario: {table.scenarios[0]}. "
    out.footer = [
        f"{scenario}Values as printed in {PAPER}; Imp. rows are left out.",
        *table.notes,
        *(f"{name} is not comparable with talosbench's: {why}." for name, why in table.incomparable.items()),
    ]
    return out


def comparison_table(final: pl.DataFrame, metrics: Sequence[str]) -> Table:
    """Every measured cell and metric with a published counterpart, beside it, with the relative difference.

    Rows are measured cells in report order; a cell the paper published in several tables gets one
    row per table. The footer lists, in one line, the measured cells with no published counterpart.
    """
    columns = ["metric", "measured", "paper", "difference", "published in"]
    table = Table("paper", "Paper vs measured", ["dataset", "scenario", "backbone", "loss", *columns])
    tables = {t.id: t for t in paper_tables()}
    published = published_values()
    cells = runs_by_cell(final)
    unmatched: list[str] = []
    used: set[str] = set()
    for key, new_block in ordered_cells(cells, baseline="talos"):
        runs = cells[key]
        setting = _setting(runs, key)
        candidates = [v for v in published if setting is not None and setting.matches(v)]
        missing: list[str] = []
        shown = 0
        for metric, column, statistic in _measured(runs, metrics, setting):
            mean, spread = statistic(runs.values(column))
            if mean is None:
                continue  # nothing measured: no counterpart to look for
            matches = [v for v in candidates if v.metric_name == metric]
            if not matches:
                missing.append(metric)
            for value in matches:
                why = tables[value.table].incomparable.get(value.metric)
                table.add(
                    *key,
                    metric,
                    _measured_text(mean, spread, runs, metric),
                    _value_text(value),
                    _difference(mean, value.value, runs, why),
                    f"Table {value.table} {value.label}",
                    rule=new_block and not shown,
                )
                shown += 1
                used.add(value.table)
                table.records.append(
                    {
                        "dataset": key[0],
                        "scenario": key[1],
                        "backbone": key[2],
                        "loss": key[3],
                        "metric": metric,
                        "value": mean,
                        "std": spread,
                        "n": runs.ok.height,
                        "expected": runs.expected,
                        "paper": value.value,
                        "paper_table": value.table,
                        "paper_label": value.label,
                        "difference_pct": _percent(mean, value.value, runs, why),
                    }
                )
        if missing:
            unmatched.append(_cell_text(key, missing, matched=shown > 0))
    table.footer = _comparison_footer(table, unmatched, [tables[i] for i in tables if i in used])
    return table


def _comparison_footer(table: Table, unmatched: list[str], used: list[PaperTable]) -> list[str]:
    lines = []
    if not table.rows:
        lines.append(f"No measured cell has a published counterpart in {PAPER}.")
    else:
        lines.append(
            "measured: mean ± sample std over completed seeds (median for seconds per epoch); paper: the "
            f"value published in {PAPER}; difference: (measured − paper) / paper × 100."
        )
    lines += [MATCHED_ON, NOT_COMPARED]
    for paper in used:
        lines += [f"Table {paper.id}: {note}" for note in paper.notes]
        lines += [
            f"Table {paper.id}: {metric} not compared: {why}." for metric, why in paper.incomparable.items()
        ]
    if unmatched:
        count = f"{len(unmatched)} cell{'s' if len(unmatched) > 1 else ''}"
        lines.append(f"Without a published counterpart ({count}): {'; '.join(unmatched)}.")
    return lines


def _setting(runs: Runs, key: tuple[str, ...]) -> CellSetting | None:
    """The matched setting of a cell, from its first run's stored configuration; None for unknown losses."""
    frame = runs.frame
    name = str(frame["loss_name"][0]) if frame["loss_name"][0] is not None else key[3].split("@")[0]
    if name not in DECLARED_LOSSES:
        return None
    declared = DECLARED_LOSSES.get(name)
    params = json.loads(frame["params"][0] or "{}")
    k = declared.hparam("k")
    loss_k = int((params.get("loss_params") or {}).get("k", k.default)) if k is not None else None
    return CellSetting(*key[:3], name, loss_k, int(declared.negatives(params.get("negatives"))))


def _measured(runs: Runs, metrics: Sequence[str], setting: CellSetting | None) -> list[tuple]:
    """(metric name, collect column, statistic) of every measured value of the cell worth matching."""
    found = [(metric, f"test_{metric}", mean_std) for metric in metrics]
    if setting is not None and setting.loss_k is not None and runs.values(THRESHOLD_ERROR):
        found.append((f"{THRESHOLD_ERROR}@{setting.loss_k}", THRESHOLD_ERROR, mean_std))
    found.append((SECONDS, "train_seconds_per_epoch", _median))  # as the efficiency table summarises it
    return found


def _median(values: list[float]) -> tuple[float | None, None]:
    return (statistics.median(values) if values else None), None


def _percent(mean: float, published: float, runs: Runs, why: str | None) -> float | None:
    if why is not None or not runs.complete or published == 0:
        return None
    return (mean - published) / published * 100


def _difference(mean: float, published: float, runs: Runs, why: str | None) -> str:
    if why is not None:
        return f"{DASH} (not comparable)"
    if not runs.complete:
        return f"{DASH} (incomplete)"
    percent = _percent(mean, published, runs, why)
    return DASH if percent is None else f"{percent:+.2f}%"


def _measured_text(mean: float, spread: float | None, runs: Runs, metric: str) -> str:
    text = f"{mean:.2f}" if metric == SECONDS else fmt_metric(mean, spread)
    return text if runs.complete else f"{text} ({runs.summary()})"


def _value_text(value: PublishedValue) -> str:
    """As printed: seconds with two decimals, every other published value with four."""
    return f"{value.value:.2f}" if value.metric == SECONDS else f"{value.value:.4f}"


def _loss_text(value: PublishedValue) -> str:
    """The registered loss and what the paper's label sets beyond the default (``talos, k=50``)."""
    extra = [f"k={value.loss_k}"] if value.loss_k not in (None, 20) else []
    return ", ".join([value.loss, *extra])


def _column(dataset: str, scenario: str, metric: str, with_scenario: bool) -> str:
    return f"{dataset}/{scenario} {metric}" if with_scenario else f"{dataset} {metric}"


def _cell_text(key: tuple[str, ...], missing: list[str], matched: bool) -> str:
    where = "/".join(key)
    return f"{where} {', '.join(missing)}" if matched else where
