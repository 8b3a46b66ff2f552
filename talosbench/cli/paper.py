"""``talosbench paper``: the paper's published tables that the package holds, one of them, or its suite."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.choices import choices
from talosbench.cli.listing import echo_json, paragraph
from talosbench.cli.options import data_dir_option, json_option
from talosbench.report import FORMATS

Format = choices("Format", FORMATS)
INDENT = "       "


def paper(
    table: str | None = typer.Argument(
        None, metavar="TABLE", help="A table id, e.g. 3.1 or A.2 (default: list the tables)."
    ),
    fmt: Format = typer.Option(Format("markdown"), "--format", help="Output format of one table."),
    as_json: bool = json_option("the tables and every published value"),
    suite: bool = typer.Option(
        False, "--suite", help="Write the suite that reproduces TABLE's cells on one dataset (see --dataset)."
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="With --suite: the dataset (default: the table's only one)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="With --suite: file (or folder) to write [default: NAME.toml here]."
    ),
    force: bool = typer.Option(False, "--force", help="With --suite: overwrite the file if it exists."),
    data_dir: Path | None = data_dir_option(),
) -> None:
    """List the paper's published tables (Tables 3.1-3.4, 4.1, appendix), print one, or write its suite."""
    from talosbench.paper import PAPER, paper_table, paper_tables
    from talosbench.report import render
    from talosbench.report.published import published_tables

    if (dataset is not None or output is not None or force) and not suite:
        raise typer.BadParameter("--dataset, -o and --force go with --suite", param_hint="'--suite'")
    if suite:
        if table is None:
            raise typer.BadParameter("--suite writes one table's suite: name the table", param_hint="TABLE")
        _write_suite(table, dataset, output, force, data_dir)
        return
    chosen = [paper_table(table)] if table is not None else list(paper_tables())
    if as_json:
        echo_json(chosen if table is None else chosen[0])
        return
    if table is not None:
        typer.echo(render(published_tables(chosen[0]), fmt.value), nl=False)
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
            f"{len(t.values)}/{t.printed} values" if t.missing else f"{t.printed} values",
        ]
        typer.echo(paragraph(" · ".join(setting), indent=INDENT))
    typer.echo(
        "`talosbench paper TABLE` prints one, `--suite` writes the suite that reproduces it; "
        "`report --vs-paper` sets them beside runs.",
        err=True,
    )


def _write_suite(
    table: str, dataset: str | None, output: Path | None, force: bool, data_dir: Path | None
) -> None:
    """Write the table's suite and say what running it costs, from this machine's bench figures."""
    from talosbench.cli.suites import cost_text, suite_summary
    from talosbench.paper import paper_table
    from talosbench.suite.paper import write_paper_suite
    from talosbench.toml import tomllib

    path = write_paper_suite(paper_table(table), dataset, output, force=force)
    name = tomllib.loads(path.read_text(encoding="utf-8"))["suite"]["name"]
    summary = suite_summary(name, path, data_dir)
    cost = cost_text(summary["estimate"], summary["runs"])
    runs = f"{summary['cells']} cells, {summary['runs']} runs ({summary['tuning_trials']} tuning trials)"
    typer.echo(f"wrote {path}: {runs}; estimate: {cost}")
    hint = (
        "The estimate prices the runs one at a time from `talosbench bench` figures of this machine and "
        f"the datasets already downloaded. Next: talosbench run {path} --dry-run; after it ran: "
        f"talosbench report {summary['name']} --vs-paper."
    )
    typer.echo(paragraph(hint), err=True)


def _metrics(names: list[str]) -> str:
    """``precision, recall @20`` or ``precision @20, 50, 80``: the metric names of a table, compactly."""
    families = list(dict.fromkeys(name.split("@")[0] for name in names))
    ks = list(dict.fromkeys(name.split("@")[1] for name in names if "@" in name))
    return ", ".join(families) + (f" @{', '.join(ks)}" if ks else "")
