"""``plot_results``: every figure of the runs a report covers, per suite, in one format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from talosbench.paths import check_name, inside
from talosbench.report.figures.bars import accuracy_bars
from talosbench.report.figures.canvas import Figures, PlotError
from talosbench.report.figures.curves import (
    histories,
    threshold_curves,
    training_curves,
    validation_bands,
    validation_curves,
)
from talosbench.report.figures.scatter import accuracy_time
from talosbench.report.names import FIGURE_FORMATS
from talosbench.report.scope import by_suite, gather, suite_metrics
from talosbench.report.table import ReportError, check_metrics, primary_metric


def plot_results(
    source: Path,
    out: Path,
    *,
    metrics: Sequence[str] = (),
    baseline: str = "talos",
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    fmt: str = "png",
    prefix: str = "",
) -> list[Path]:
    """Draw every figure for the final runs under ``source`` into ``out``; return their paths.

    ``fmt`` is one of ``FIGURE_FORMATS``; every file name starts with ``prefix``.
    The runs are those a report covers (see ``report.scope``); each note on what was left out goes
    to ``on_note``. Each suite's figures show the metrics of its ``[eval]`` unless ``metrics`` names
    others; when ``source`` holds several suites, each gets a subfolder of ``out``.
    """
    if fmt not in FIGURE_FORMATS:
        raise PlotError(f"unknown figure format {fmt!r}; choose {', '.join(FIGURE_FORMATS)}")
    frame, notes, _ = gather(source, suite_file)
    for note in notes:
        if on_note is not None:
            on_note(note)
    final = frame.filter(pl.col("role") == "final")
    if final.is_empty():
        raise PlotError(f"no complete final runs under {source}; run `talosbench run SUITE.toml` first")
    parts = by_suite(final)  # two suites may hold the same cell: never one curve of both
    paths: list[Path] = []
    for suite, runs in parts:
        shown = metrics or suite_metrics(runs, source, suite_file)
        folder = inside(out, out / check_name(suite, "suite name")) if len(parts) > 1 else out
        try:
            paths += _suite_figures(runs, shown, Figures(folder, fmt, prefix), baseline)
        except ReportError as error:
            if len(parts) == 1 or (not paths and suite == parts[-1][0]):
                raise  # nothing else drawn: the reason is the answer
            if on_note is not None:
                on_note(f"suite {suite} not plotted: {error}")
    return paths


def _suite_figures(final: pl.DataFrame, metrics: Sequence[str], out: Figures, baseline: str) -> list[Path]:
    """Every figure of one suite's final runs."""
    metrics = check_metrics(final, metrics)
    metric = primary_metric(final, metrics)
    out.folder.mkdir(parents=True, exist_ok=True)
    curves = histories(final)
    paths = validation_curves(curves, metric, out, baseline)
    paths += validation_bands(curves, metric, out, baseline)
    paths += training_curves(curves, out, baseline)
    paths += accuracy_bars(final, metrics, out, baseline)
    paths += accuracy_time(final, metric, out, baseline)
    paths += threshold_curves(curves, out, baseline)
    return paths
