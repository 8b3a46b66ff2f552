"""``plot_results``: every figure of the runs a report covers, per suite, in one format."""

from __future__ import annotations

import tempfile
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
from talosbench.results import ResultsWriteError, check_writable


def plot_results(
    source: Path,
    out: Path | None = None,
    *,
    metrics: Sequence[str] = (),
    baseline: str = "talos",
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    fmt: str = "png",
    prefix: str = "",
    option: str = "-o",
) -> list[Path]:
    """Draw every figure for the final runs under ``source`` into ``out``; return their paths.

    ``out`` is checked writable before anything is read (a ResultsWriteError naming it); without it the
    figures go to ``<source>/plots``, or where that cannot be written (a read-only store) to
    ``default_folder``'s choice, said in a note. ``fmt`` is one of ``FIGURE_FORMATS``; every file
    name starts with ``prefix``; ``option`` is what chose ``out``, for the error of a write that fails.
    The runs are those a report covers (see ``report.scope``); each note on what was left out goes
    to ``on_note``. Each suite's figures show the metrics of its ``[eval]`` unless ``metrics`` names
    others; when ``source`` holds several suites, each gets a subfolder of ``out``.
    """
    if fmt not in FIGURE_FORMATS:
        raise PlotError(f"unknown figure format {fmt!r}; choose {', '.join(FIGURE_FORMATS)}")
    if out is None:
        out, moved = default_folder(source)
        if moved is not None and on_note is not None:
            on_note(moved)
    else:
        check_writable(out, option)
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
            paths += _suite_figures(runs, shown, Figures(folder, fmt, prefix, option), baseline)
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
    check_writable(out.folder, out.option)
    curves = histories(final)
    paths = validation_curves(curves, metric, out, baseline)
    paths += validation_bands(curves, metric, out, baseline)
    paths += training_curves(curves, out, baseline)
    paths += accuracy_bars(final, metrics, out, baseline)
    paths += accuracy_time(final, metric, out, baseline)
    paths += threshold_curves(curves, out, baseline)
    return paths


def default_folder(source: Path) -> tuple[Path, str | None]:
    """Where figures of ``source`` go without ``-o``: ``<source>/plots``; where the store cannot be written
    (read-only), ``./plots/<name>``, else the temporary folder's ``talosbench-plots/<name>``; with the note
    that says so (None when the figures stay beside the runs)."""
    beside = source / "plots"
    elsewhere = Path.cwd() / "plots", Path(tempfile.gettempdir()) / "talosbench-plots"
    try:
        check_writable(beside, "-o")
        return beside, None
    except ResultsWriteError as error:
        refused = error
    for root in elsewhere:
        folder = root / source.resolve().name
        try:
            check_writable(folder, "-o")
        except ResultsWriteError:
            continue
        return folder, f"{refused}: the figures go to {folder} instead"
    raise refused
