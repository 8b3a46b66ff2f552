"""``talosbench init``: write a commented suite file to edit."""

from __future__ import annotations

from pathlib import Path

import typer


def init(
    name: str = typer.Argument(..., help="Suite name: the results folder, and the file NAME.toml."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File (or folder) to write [default: NAME.toml here]."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists."),
) -> None:
    """Write a small suite with every table and key explained, ready to run and to edit."""
    from talosbench.suite.template import write_suite_template

    path = write_suite_template(name, output, force=force)
    typer.echo(f"wrote {path}; see its plan with: talosbench run {path} --dry-run")
