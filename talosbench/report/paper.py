"""The paper beside the user's numbers: ``report --vs-paper``.

A measured cell is set beside a published value when its dataset, scenario, backbone, loss, metric
and K are the published ones. The loss is the paper's: the registered loss, the K it was trained for
(Talos@50 is ``talos`` with ``k = 50``; the paper's default is 20) and, for Table A.2, the number of
sampled negatives. The relative difference is given only where the comparison holds: the sampled
negatives equal those the paper trained with, and the metric's published definition is talosbench's;
a row shown anyway says what differs instead (``compare_all`` gives the difference there too).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.paper import PAPER, PaperTable, PublishedValue, paper_tables, published_values
from talosbench.report.published import errata_lines, value_text
from talosbench.report.table import (
    DASH,
    Runs,
    Table,
    fmt_metric,
    mean_std,
    ordered_cells,
    runs_by_cell,
)
from talosbench.report.thresholds import threshold_note

SECONDS = "seconds_per_epoch"
THRESHOLD_ERROR = "threshold_error"
MATCHED_ON = (
    "Matched on dataset, scenario, backbone, loss (the paper's: the K the loss was trained for, and "
    "Table A.2's sampled negatives), metric and K; a relative difference needs the sampled negatives "
    "the paper trained with too (1024, BPR 1, unless the table varies them), else the row says what "
    "differs."
)
NOT_COMPARED = (
    "Settings beyond those are not compared: the paper trained with batch 1024, embedding size 64, "
    "its own tuning grids, seeds and hardware; a difference may come from any of them."
)
COMPARED_ALL = (
    "--vs-paper-all: the relative difference is given on every row, also where a setting or the "
    "metric's definition differs (said in brackets); such a difference is not a comparison."
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

    def differences(self, value: PublishedValue) -> list[str]:
        """The settings of a matched ``value`` the paper fixed otherwise: ``negatives 256 vs 1024``."""
        paper = value.trained_negatives
        return [] if paper is None or paper == self.negatives else [f"negatives {self.negatives} vs {paper}"]


def comparison_table(final: pl.DataFrame, metrics: Sequence[str], compare_all: bool = False) -> Table:
    """Every measured cell and metric with a published counterpart, beside it, with the relative difference.

    Rows are measured cells in report order; a cell the paper published in several tables gets one
    row per table. The difference is left out, and what differs said instead, where the cell's
    sampled negatives are not the paper's or the metric's definition is not (``compare_all`` gives
    it there too). The footer lists, in one line, the measured cells with no published counterpart.
    """
    columns = ["metric", "measured", "paper", "difference", "published in"]
    table = Table("paper", "Paper vs measured", ["dataset", "scenario", "backbone", "loss", *columns])
    tables = {t.id: t for t in paper_tables()}
    published = published_values()
    noted: dict[PublishedValue, int] = {}  # values with errata, numbered as they appear
    cells = runs_by_cell(final)
    unmatched: list[str] = []
    used: set[str] = set()
    thresholds: list[str] = []
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
                assert setting is not None
                incomparable = tables[value.table].incomparable.get(value.metric)
                why = [*setting.differences(value), *([incomparable.label] if incomparable else [])]
                percent = _percent(mean, value.value, runs, why, compare_all)
                if value.notes:
                    noted.setdefault(value, len(noted) + 1)
                table.add(
                    *key,
                    metric,
                    _measured_text(mean, spread, runs, metric),
                    value_text(value, {}),
                    _difference(percent, runs, why),
                    f"Table {value.table} {value.label}" + (f" [{noted[value]}]" if value in noted else ""),
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
                        "difference_pct": percent,
                        "differs": "; ".join(why) or None,
                        "paper_notes": "; ".join(value.notes) or None,
                    }
                )
                if value.metric == THRESHOLD_ERROR:
                    note = threshold_note("/".join(key), runs)
                    if note is not None and note not in thresholds:  # one per cell, not per table
                        thresholds.append(note)
        if missing:
            unmatched.append(_cell_text(key, missing, matched=shown > 0))
    table.footer = _comparison_footer(table, unmatched, [tables[i] for i in tables if i in used], compare_all)
    table.footer += thresholds + errata_lines(noted)
    return table


def _comparison_footer(
    table: Table, unmatched: list[str], used: list[PaperTable], compare_all: bool
) -> list[str]:
    lines = []
    if not table.rows:
        lines.append(f"No measured cell has a published counterpart in {PAPER}.")
    else:
        lines.append(
            "measured: mean ± sample std over completed seeds (median for seconds per epoch); paper: the "
            f"value published in {PAPER}; difference: (measured − paper) / paper × 100."
        )
    lines += [MATCHED_ON, NOT_COMPARED, *([COMPARED_ALL] if compare_all else [])]
    for paper in used:
        lines += [f"Table {paper.id}: {note}" for note in paper.notes]
        lines += [
            f"Table {paper.id}: {metric} not compared: {inc.why}."
            for metric, inc in paper.incomparable.items()
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
    dataset, scenario = paper_dataset(key[0], key[1])
    return CellSetting(
        dataset, scenario, key[2], name, loss_k, int(declared.negatives(params.get("negatives")))
    )


def paper_dataset(dataset: str, scenario: str) -> tuple[str, str]:
    """The paper's (dataset, scenario) a cell's are: a catalog dataset that is the paper's own split
    (``amazon-beauty-talos``) trained on that split (``given``) is the paper's Beauty under iid."""
    from talosbench.data.catalog import CATALOG

    entry = CATALOG.get(dataset) if dataset in CATALOG else None
    if entry is not None and entry.paper_dataset is not None and scenario == "given":
        return entry.paper_dataset, entry.paper_scenario
    return dataset, scenario


def _measured(runs: Runs, metrics: Sequence[str], setting: CellSetting | None) -> list[tuple]:
    """(metric name, collect column, statistic) of every measured value of the cell worth matching."""
    found = [(metric, f"test_{metric}", mean_std) for metric in metrics]
    if setting is not None and setting.loss_k is not None and runs.values(THRESHOLD_ERROR):
        found.append((f"{THRESHOLD_ERROR}@{setting.loss_k}", THRESHOLD_ERROR, mean_std))
    found.append((SECONDS, "train_seconds_per_epoch", _median))  # as the efficiency table summarises it
    return found


def _median(values: list[float]) -> tuple[float | None, None]:
    return (statistics.median(values) if values else None), None


def _percent(mean: float, published: float, runs: Runs, why: list[str], compare_all: bool) -> float | None:
    if (why and not compare_all) or not runs.complete or published == 0:
        return None
    return (mean - published) / published * 100


def _difference(percent: float | None, runs: Runs, why: list[str]) -> str:
    """``+1.33%``; ``– (negatives 256 vs 1024)`` where a comparison does not hold; ``– (incomplete)``."""
    if not runs.complete:
        return f"{DASH} (incomplete)"
    text = DASH if percent is None else f"{percent:+.2f}%"
    return f"{text} ({'; '.join(why)})" if why else text


def _measured_text(mean: float, spread: float | None, runs: Runs, metric: str) -> str:
    text = f"{mean:.2f}" if metric == SECONDS else fmt_metric(mean, spread)
    return text if runs.complete else f"{text} ({runs.summary()})"


def _cell_text(key: tuple[str, ...], missing: list[str], matched: bool) -> str:
    where = "/".join(key)
    return f"{where} {', '.join(missing)}" if matched else where
