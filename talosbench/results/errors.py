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
        super().__init__(f"{directory}: {problem}; rerun `talosbench run SUITE.toml` to redo the run")


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
