"""The base class of every error talosbench raises for its user; it carries the exit status of the CLI.

Bottom layer: imports nothing from the package, so every layer can derive its errors from it. Each
layer keeps its own error classes (``DataError``, ``SuiteError``, ...), each deriving from
``TalosbenchError`` and naming its ``exit_code``; the CLI maps them in one place
(``talosbench.cli.errors``).
"""

from __future__ import annotations

USAGE = 2
"""Exit status of bad input: a name, an option, a file or a setting the user can correct."""
FAILED = 1
"""Exit status of work that failed: a download, a write, a run, a dataset that cannot be read."""


class TalosbenchError(Exception):
    """An error meant for the user: its message says what, where and what to do; ``exit_code`` how to end."""

    exit_code: int = FAILED
    """``FAILED`` (1) when the work failed, ``USAGE`` (2) when the input was bad."""

    def __str__(self) -> str:
        # The message as given, also for subclasses of KeyError, which would otherwise print it quoted.
        return Exception.__str__(self)
