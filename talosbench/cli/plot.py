"""``talosbench plot``: figures of a suite's results (PNG, PDF or SVG)."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.choices import choices
from talosbench.cli.options import SOURCE_ROOT_HELP, output_format, results_dir_option, source_argument
from talosbench.report.names import FIGURE_FORMATS

Format = choices("FigureFormat", FIGURE_FORMATS)
SUFFIXES = {f".{fmt}": fmt for fmt in FIGURE_FORMATS}
"""The format ``-o NAME.svg`` implies by its extension."""


def plot(
    source: str | None = source_argument("RESULTS"),
    results_dir: Path = results_dir_option(SOURCE_ROOT_HELP),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        "--out",
        help="Folder of the figures (default: <results>/plots, or ./plots/<suite> when the results cannot be "
        "written); or FOLDER/NAME.png|.pdf|.svg: the figures "
        "go to FOLDER as NAME-<figure> in that format.",
    ),
    fmt: Format | None = typer.Option(
        None, "--format", help="Figure format (default: from the extension of -o, else png)."
    ),
    metric: list[str] = typer.Option(
        [], "--metric", help="Test metric to plot (repeatable; default: the suite's [eval] metrics)."
    ),
) -> None:
    """Figures: validation and training curves, accuracy bars, accuracy vs time, Talos threshold curves."""
    from talosbench.report import resolve_source, suite_file
    from talosbench.report.figures import plot_results

    chosen = output_format(fmt.value if fmt is not None else None, output, SUFFIXES) or "png"
    where = resolve_source(source, results_dir)
    folder, prefix = output, ""
    if output is not None and output.suffix.lower() in SUFFIXES:  # a file name: its stem prefixes each figure
        folder, prefix = output.parent, f"{output.stem}-"
    paths = plot_results(
        where,
        folder,
        metrics=metric,
        suite_file=suite_file(source),
        fmt=chosen,
        prefix=prefix,
        on_note=lambda note: typer.echo(f"note: {note}", err=True),
    )
    for path in paths:
        typer.echo(str(path))
