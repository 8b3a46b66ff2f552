"""The one place where an error of the library becomes a message on stderr and an exit status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from talosbench.errors import TalosbenchError

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """``command`` ending on a ``TalosbenchError`` with ``error: <message>`` and the error's exit code.

    Any other exception is a bug and keeps its traceback; typer's own usage errors (exit 2) and
    ``typer.Exit`` pass through untouched.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TalosbenchError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return run
