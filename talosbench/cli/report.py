"""``talosbench report``: the tables of a suite's results in one of the report formats."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.choices import choices
from talosbench.report import FORMATS, TABLES

Format = choices("Format", FORMATS)
Table = choices("Table", (*TABLES, "all"))


def report(
    source: str | None = typer.Argument(
        None,
        metavar="RESULTS_DIR_OR_SUITE",
        help="Results dir, suite dir or name, or suite TOML (default: newest in ./runs).",
    ),
    fmt: Format = typer.Option(Format("markdown"), "--format", help="Output format."),
    metric: list[str] = typer.Option(
        [], "--metric", help="Test metric, e.g. precision@20 (repeatable; default: the suite's [eval])"
    ),
    table: list[Table] = typer.Option([Table("all")], "--table", help="Table to show (repeatable)."),
    baseline: str | None = typer.Option(None, help="Loss whose Imp.% is shown (default talos when present)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
) -> None:
    """Tables of a suite's results: accuracy with significance, efficiency, convergence, tuning, shift."""
    from talosbench.report import report as build_report
    from talosbench.report import resolve_source, suite_file

    names = [t.value for t in table]
    tables = list(TABLES) if "all" in names else names
    where = resolve_source(source)
    text = build_report(where, fmt=fmt.value, tables=tables, metrics=metric, baseline=baseline,
                        suite_file=suite_file(source),
                        on_note=lambda note: typer.echo(f"note: {note}", err=True))  # fmt: skip
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"report of {where} written to {output}", err=True)
