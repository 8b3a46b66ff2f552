"""The report: the chosen tables of a results directory, per suite, rendered in one format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import polars as pl

from talosbench.report.accuracy import accuracy_table
from talosbench.report.cold_marks import cold_splits, mark_cold
from talosbench.report.convergence import convergence_table
from talosbench.report.efficiency import efficiency_table
from talosbench.report.names import FORMATS, TABLES
from talosbench.report.paper import comparison_table
from talosbench.report.renderers import render
from talosbench.report.scope import by_suite, gather, suite_metrics
from talosbench.report.shift import diagnostics_table, drop_table
from talosbench.report.table import Planned, ReportError, Table, check_metrics, primary_metric
from talosbench.report.tuning import tuning_table

DEFAULT_BASELINE = "talos"


class ReportTables(NamedTuple):
    """What ``report_tables`` built: the tables, its notes on what it left out, and the runs it read."""

    tables: list[Table]
    notes: list[str]
    runs: pl.DataFrame


def build_tables(
    frame: pl.DataFrame,
    tables: Sequence[str] = TABLES,
    metrics: Sequence[str] = (),
    baseline: str | None = None,
    vs_paper: bool = False,
    vs_all: bool = False,
    vs_paper_all: bool = False,
    planned: Planned | None = None,
    partial: bool = False,
) -> list[Table]:
    """The requested tables from a ``results.collect`` frame; final runs only, except tuning.

    ``vs_paper`` adds the paper's published values beside every measured cell that has one;
    ``vs_all`` compares the baseline with every other loss instead of the best one on validation;
    ``vs_paper_all`` gives the relative difference also where a setting or a definition differs.
    ``planned`` is the suite's plan: every planned cell is shown, and a column where one lacks runs
    is neither ranked nor compared unless ``partial``, which ranks the completed cells and says so.
    """
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise ReportError(f"unknown table {', '.join(unknown)}; choose from {', '.join(TABLES)} or all")
    final = frame.filter(pl.col("role") == "final")
    if final.is_empty() and frame.filter(pl.col("role") == "trial").is_empty():
        raise ReportError("no complete runs to report; run `talosbench run SUITE.toml` first")
    metrics = check_metrics(frame, metrics)
    metric = primary_metric(frame, metrics)
    losses = sorted(set(final["loss"].to_list()))
    if baseline is not None and baseline not in losses:
        raise ReportError(f"unknown baseline '{baseline}'; the losses in these runs: {', '.join(losses)}")
    chosen = baseline or DEFAULT_BASELINE
    out: list[Table] = []
    for name in tables:
        if name == "accuracy":
            out.append(accuracy_table(final, metrics, chosen, vs_all, planned, partial))
        elif name == "efficiency":
            out.append(efficiency_table(final, chosen, planned))
        elif name == "convergence":
            out.append(convergence_table(final, metric, chosen, planned))
        elif name == "tuning":
            out.append(tuning_table(frame, metric, chosen))
        else:
            out += [diagnostics_table(final), drop_table(final, metric, chosen)]
    if vs_paper or vs_paper_all:
        out.append(comparison_table(final, metrics, compare_all=vs_paper_all))
    cold = cold_splits(frame)
    for table in out:
        mark_cold(table, cold)
    return out


def report(
    source: Path,
    *,
    fmt: str = "markdown",
    tables: Sequence[str] = TABLES,
    metrics: Sequence[str] = (),
    baseline: str | None = None,
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    vs_paper: bool = False,
    vs_all: bool = False,
    vs_paper_all: bool = False,
    partial: bool = False,
) -> str:
    """The report of the runs under ``source`` (a results root or one suite's directory) as text.

    Each suite's runs get their own tables (titled with the suite when there are several), showing
    the metrics of its ``[eval]`` unless ``metrics`` names others.

    Only runs of each suite's current plan count (that of ``suite_file`` when given); each kind of
    run left out (stale or damaged) gets a note, passed to ``on_note`` and written below the tables.
    ``vs_paper`` adds, per suite, the paper's published values beside the measured ones; ``vs_all``
    compares the baseline with every other loss; ``partial`` ranks a suite interrupted before its plan
    completed (see ``build_tables``).
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown format '{fmt}'; choose from {', '.join(FORMATS)}")
    built = report_tables(
        source,
        tables=tables,
        metrics=metrics,
        baseline=baseline,
        suite_file=suite_file,
        on_note=on_note,
        vs_paper=vs_paper,
        vs_all=vs_all,
        vs_paper_all=vs_paper_all,
        partial=partial,
    )
    return render(built.tables, fmt, built.notes)


def report_tables(
    source: Path,
    *,
    tables: Sequence[str] = TABLES,
    metrics: Sequence[str] = (),
    baseline: str | None = None,
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    vs_paper: bool = False,
    vs_all: bool = False,
    vs_paper_all: bool = False,
    partial: bool = False,
) -> ReportTables:
    """The tables ``report`` renders, its notes on what it left out (see ``report``) and the runs it
    read (the current plan's), so that a caller needing the runs too reads the store once."""
    frame, notes, planned = gather(source, suite_file)
    for note in notes:  # before the tables, which refuse to be empty: the notes may say why they are
        if on_note is not None:
            on_note(note)
    if frame.is_empty():
        # build_tables says what is missing
        return ReportTables(build_tables(frame, tables, metrics, baseline), notes, frame)
    parts = by_suite(frame)
    out: list[Table] = []
    for suite, runs in parts:
        shown = metrics or suite_metrics(runs, source, suite_file)
        try:
            built = build_tables(
                runs, tables, shown, baseline, vs_paper, vs_all, vs_paper_all, planned.get(suite), partial
            )
        except ReportError as error:
            if len(parts) == 1 or (not out and suite == parts[-1][0]):
                raise  # nothing else to show: the reason is the answer
            _note(notes, f"suite {suite} left out of the report: {error}", on_note)
            continue
        out += [table.for_suite(suite) for table in built] if len(parts) > 1 else built
    return ReportTables(out, notes, frame)


def _note(notes: list[str], note: str, on_note: Callable[[str], None] | None) -> None:
    notes.append(note)
    if on_note is not None:
        on_note(note)
