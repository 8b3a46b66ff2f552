"""``talosbench paper``: the paper's published tables that the package holds, or one of them."""

from __future__ import annotations

import typer

from talosbench.cli.choices import choices
from talosbench.cli.listing import echo_json, paragraph
from talosbench.cli.options import json_option
from talosbench.report import FORMATS

Format = choices("Format", FORMATS)
INDENT = "       "


def paper(
    table: str | None = typer.Argument(
        None, metavar="TABLE", help="A table id, e.g. 3.1 or A.2 (default: list the tables)."
    ),
    fmt: Format = typer.Option(Format("markdown"), "--format", help="Output format of one table."),
    as_json: bool = json_option("the tables and every published value"),
) -> None:
    """List the paper's published tables (Tables 3.1-3.4, 4.1, appendix), or print one with its settings."""
    from talosbench.paper import PAPER, paper_table, paper_tables
    from talosbench.report import render
    from talosbench.report.paper import published_table

    chosen = [paper_table(table)] if table is not None else list(paper_tables())
    if as_json:
        echo_json(chosen if table is None else chosen[0])
        return
    if table is not None:
        typer.echo(render([published_table(chosen[0])], fmt.value), nl=False)
        return
    typer.echo(f"Published tables of {PAPER}, as printed:")
    for t in chosen:  # two lines per table: a table of seven columns would not fit 100 columns
        typer.echo(paragraph(f"{t.id:<6} {t.caption}", width=100).replace("\n", "\n" + INDENT))
        setting = [
            ", ".join(t.datasets),
            ", ".join(t.scenarios),
            ", ".join(t.backbones),
            _metrics(t.metrics),
            f"{len(t.rows)} rows",
        ]
        typer.echo(paragraph(" · ".join(setting), indent=INDENT))
    typer.echo("`talosbench paper TABLE` prints one; `report --vs-paper` sets them beside runs.", err=True)


def _metrics(names: list[str]) -> str:
    """``precision, recall @20`` or ``precision @20, 50, 80``: the metric names of a table, compactly."""
    families = list(dict.fromkeys(name.split("@")[0] for name in names))
    ks = list(dict.fromkeys(name.split("@")[1] for name in names if "@" in name))
    return ", ".join(families) + (f" @{', '.join(ks)}" if ks else "")
