"""``talosbench report``: the tables of a suite's results in one of the report formats."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.choices import choices
from talosbench.cli.options import SOURCE_ROOT_HELP, output_format, results_dir_option, source_argument
from talosbench.report import FORMATS, TABLES

Format = choices("Format", FORMATS)
Table = choices("Table", (*TABLES, "all"))
SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "markdown",
    ".tex": "latex",
    ".csv": "csv",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
}
"""The format ``-o FILE`` implies by its extension."""


def report(
    source: str | None = source_argument("RESULTS_DIR_OR_SUITE"),
    results_dir: Path = results_dir_option(SOURCE_ROOT_HELP),
    fmt: Format | None = typer.Option(
        None, "--format", help="Output format (default: from the extension of -o, else markdown)."
    ),
    metric: list[str] = typer.Option(
        [], "--metric", help="Test metric, e.g. precision@20 (repeatable; default: the suite's [eval])"
    ),
    table: list[Table] = typer.Option([Table("all")], "--table", help="Table to show (repeatable)."),
    baseline: str | None = typer.Option(None, help="Loss whose Imp.% is shown (default talos when present)."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the report to this file; .md .txt .tex .csv .json .html set the format.",
    ),
    vs_paper: bool = typer.Option(
        False, "--vs-paper", help="Add the paper's published value beside every measured cell that has one."
    ),
    vs_all: bool = typer.Option(
        False,
        "--vs-all",
        help="Compare the baseline with every other loss (Holm over them all), not only the one best on "
        "validation.",
    ),
    vs_paper_all: bool = typer.Option(
        False,
        "--vs-paper-all",
        help="As --vs-paper, with the relative difference also where a setting (negatives) or the "
        "metric's definition differs (Table A.4); such a difference is not a comparison.",
    ),
    partial: bool = typer.Option(
        False,
        "--partial",
        help="Rank and compare the completed cells of a suite whose planned runs are not all complete "
        "(interrupted, failed or still running); its tables then say how many are absent.",
    ),
) -> None:
    """Tables of a suite's results: accuracy with significance, efficiency, convergence, tuning, shift.

    As HTML (-o report.html): one self-contained page with the tables and the figures embedded.
    """
    from talosbench.report import report as build_report
    from talosbench.report import resolve_source, suite_file
    from talosbench.results import check_writable, write_output

    chosen = output_format(fmt.value if fmt is not None else None, output, SUFFIXES)
    if chosen is None and output is not None and output.suffix:
        raise typer.BadParameter(
            f"cannot tell the format of {output} from its extension: name it {', '.join(SUFFIXES)} "
            "or pass --format",
            param_hint="'--output'",
        )
    if output is not None and output.is_dir():
        raise typer.BadParameter(f"{output} is a folder: name the file to write", param_hint="'--output'")
    if output is not None:  # before any work: a report that cannot be written is not built
        check_writable(output.parent, "-o")
    names = [t.value for t in table]
    tables = list(TABLES) if "all" in names else names
    where = resolve_source(source, results_dir)
    given = suite_file(source)

    def on_note(note: str) -> None:
        typer.echo(f"note: {note}", err=True)

    if chosen == "html":  # one self-contained page: the tables and the figures, embedded
        from talosbench.report.html_page import html_report

        text = html_report(
            where,
            tables=tables,
            metrics=metric,
            baseline=baseline,
            suite_file=given,
            on_note=on_note,
            vs_paper=vs_paper,
            vs_all=vs_all,
            vs_paper_all=vs_paper_all,
            partial=partial,
        )
    else:
        text = build_report(
            where,
            fmt=chosen or "markdown",
            tables=tables,
            metrics=metric,
            baseline=baseline,
            suite_file=given,
            on_note=on_note,
            vs_paper=vs_paper,
            vs_all=vs_all,
            vs_paper_all=vs_paper_all,
            partial=partial,
        )
    if output is None:
        typer.echo(text, nl=False)
        return
    write_output(output, text.encode("utf-8"))  # whole or not at all, as a run's files
    typer.echo(f"report of {where} written to {output}", err=True)
