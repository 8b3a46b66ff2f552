"""The errors of the results store, and the one phrasing of a failed write."""

from __future__ import annotations

import errno
from pathlib import Path

from talosbench.errors import USAGE, TalosbenchError


class ResultsError(TalosbenchError, ValueError):
    """A results directory or run file that cannot be read."""

    exit_code = USAGE


class ResultsWriteError(TalosbenchError, RuntimeError):
    """A results directory that cannot be written (read-only, full disk, name too long): nothing more fits."""

    exit_code = USAGE  # found before any run trains: choose another --results-dir


class DamagedRunError(ResultsError):
    """A run that has its completion marker but a file that cannot be read: it must be trained again."""

    def __init__(self, directory: Path, problem: str) -> None:
        self.directory = Path(directory)
        self.problem = problem
        """What is wrong, e.g. ``per_user.parquet cannot be read (...)``."""
        super().__init__(f"{directory}: {problem}; {redo_advice(self.directory)}")


PLAN_FILE = "plan.json"
"""A suite's plan in its results folder (``layout`` re-exports it): here, where an error tells from it
which command stored a run."""


def redo_advice(directory: Path) -> str:
    """The command that redoes the run in ``directory``: ``talosbench run`` for a suite's run (its folder
    holds the suite's plan), else the ``talosbench train`` that stored it."""
    if (Path(directory).parent / PLAN_FILE).is_file():
        return "rerun `talosbench run SUITE.toml` to redo the run"
    return "rerun the `talosbench train` that stored it (its settings are in its config.json) to redo the run"


# What to do about a failed write, by errno ({option}: the option that chose the folder); anything else
# is a permission or path problem.
_WRITE_ADVICE = {
    errno.ENOSPC: "free some space or choose another {option}",
    errno.EDQUOT: "free some space or choose another {option}",
    errno.ENAMETOOLONG: "choose a shorter {option}",
}


def cannot_write(directory: Path, exc: OSError, option: str = "--results-dir") -> ResultsWriteError:
    """The one message of a failed write: the folder, the system's reason, and what to do (``option``:
    the command-line option that chose where to write)."""
    reason = exc.strerror or str(exc)
    advice = _WRITE_ADVICE.get(exc.errno or 0, "choose another {option} or fix its permissions")
    return ResultsWriteError(f"cannot write to {directory}: {reason}; {advice.format(option=option)}")
