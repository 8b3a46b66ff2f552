"""``talosbench plot``: PNG figures of a suite's results."""

from __future__ import annotations

from pathlib import Path

import typer


def plot(
    source: str | None = typer.Argument(
        None,
        metavar="RESULTS",
        help="Results dir, suite dir or name, or suite TOML (default: newest in ./runs).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Directory of the PNGs (default: <results>/plots)."),
    metric: list[str] = typer.Option(
        [], "--metric", help="Test metric to plot (repeatable; default: the suite's [eval] metrics)."
    ),
) -> None:
    """PNG figures: validation and training curves, accuracy bars, Talos threshold curves."""
    from talosbench.plots import plot_results
    from talosbench.report import resolve_source, suite_file

    where = resolve_source(source)
    paths = plot_results(where, out or where / "plots", metrics=metric, suite_file=suite_file(source),
                         on_note=lambda note: typer.echo(f"note: {note}", err=True))  # fmt: skip
    for path in paths:
        typer.echo(str(path))
