"""``talosbench paper``: the paper's published tables that the package holds, or one of them."""

from __future__ import annotations

import typer

from talosbench.cli.choices import choices
from talosbench.report import FORMATS

Format = choices("Format", FORMATS)


def paper(
    table: str | None = typer.Argument(
        None, metavar="TABLE", help="A table id, e.g. 3.1 or A.2 (default: list the tables)."
    ),
    fmt: Format = typer.Option(Format("markdown"), "--format", help="Output format of one table."),
) -> None:
    """List the paper's published tables (Tables 3.1-3.4, 4.1, appendix), or print one with its settings."""
    from tabulate import tabulate

    from talosbench.paper import PAPER, paper_table, paper_tables
    from talosbench.report import render
    from talosbench.report.paper import published_table

    if table is not None:
        typer.echo(render([published_table(paper_table(table))], fmt.value), nl=False)
        return
    rows = [
        [t.id, ", ".join(t.datasets), ", ".join(t.scenarios), ", ".join(t.backbones), ", ".join(t.metrics),
         len(t.rows), len(t.values), t.caption]
        for t in paper_tables()
    ]  # fmt: skip
    head = ["table", "datasets", "scenario", "backbones", "metrics", "rows", "values", "caption"]
    typer.echo(f"Published tables of {PAPER}, as printed:")
    typer.echo(tabulate(rows, headers=head, disable_numparse=True))
    typer.echo("`talosbench paper TABLE` prints one; `talosbench report --vs-paper` sets them beside runs.")
