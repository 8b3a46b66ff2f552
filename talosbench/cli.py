"""The ``talosbench`` command line: a thin Typer shell over the library; the only module that prints."""

from __future__ import annotations

import typer

from talosbench import __version__

app = typer.Typer(
    name="talosbench",
    help="Benchmark recommender-system training losses for Top-K accuracy, shift robustness and cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"talosbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """talosbench: which loss gives my backbone the best Top-K accuracy, at what cost?"""


if __name__ == "__main__":
    app()
