"""The ``talosbench`` command line: a thin Typer shell over the library; the only package that prints.

One module per command; each command is a plain function registered here through ``reports_errors``,
the one place where an error of the library (a ``TalosbenchError``) becomes ``error: <message>`` on
stderr and its exit status. Choices the library defines are enumerations (``cli.choices``). Heavy
imports (torch, the trainer) stay inside the command bodies, so ``--help`` and completion stay quick.
"""

from __future__ import annotations

import typer

from talosbench import __version__
from talosbench.cli import (
    bench,
    components,
    datasets,
    download,
    evaluate,
    init,
    paper,
    plot,
    report,
    run,
    status,
    suites,
    train,
)
from talosbench.cli.errors import reports_errors
from talosbench.cli.help import HelpCommand, HelpGroup

app = typer.Typer(
    name="talosbench",
    help="Benchmark recommender-system training losses for Top-K accuracy, shift robustness and cost.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion; completion imports no torch
    context_settings={"help_option_names": ["-h", "--help"]},  # every command inherits -h
    pretty_exceptions_enable=False,
    cls=HelpGroup,
    rich_markup_mode=None,  # plain help that wraps between words (cli.help); no markup to escape
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


COMMANDS = (
    components.losses,
    components.backbones,
    train.train,
    evaluate.evaluate,
    bench.bench,
    run.run,
    status.status,
    suites.suites,
    init.init,
    datasets.datasets,
    download.download,
    report.report,
    paper.paper,
    plot.plot,
)
"""Every command, in the order ``--help`` lists them; each is named after its function."""

for _command in COMMANDS:
    app.command(cls=HelpCommand)(reports_errors(_command))

__all__ = ["app"]
