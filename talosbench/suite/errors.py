"""The one exception a bad suite file raises, and helpers that phrase its messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from talosbench.errors import USAGE, TalosbenchError


class SuiteError(TalosbenchError, ValueError):
    """A suite file that cannot run: names the file, the TOML key path and what to do."""

    exit_code = USAGE


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest choice, or the empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def unknown(source: str, path: str, kind: str, name: str, choices: Iterable[str]) -> SuiteError:
    """The error for a name that is not one of ``choices``."""
    options = sorted(choices)
    return SuiteError(
        f"{source}: {path}: unknown {kind} '{name}'.{did_you_mean(name, options)} "
        f"Valid choices: {', '.join(options) or '(none)'}."
    )
