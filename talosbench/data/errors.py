"""The one exception every data failure raises: a one-paragraph message saying what, where and what to do."""

from __future__ import annotations

from pathlib import Path

from talosbench.errors import FAILED, USAGE, TalosbenchError
from talosbench.paths import UnsafePathError


class DataError(TalosbenchError):
    """A dataset could not be fetched, read, preprocessed or split; the message tells the user what to do."""

    exit_code = FAILED


class UnknownDatasetError(DataError):
    """A dataset or scenario name that is neither in the catalog nor imported (a usage error)."""

    exit_code = USAGE


class BadNameError(UnknownDatasetError, UnsafePathError):
    """A dataset name that cannot be one folder in the data home (``..``, ``a/b``, empty): a usage error."""

    exit_code = USAGE


class OutsideHomeError(DataError, UnsafePathError):
    """A path under the data home that resolves outside it (a link leading out): refused, never touched."""

    exit_code = FAILED  # the data home holds a link leading out: nothing the command line can correct


class DamagedImportError(DataError):
    """The ``source.json`` of a dataset imported with ``download --file`` is not what an import writes."""

    def __init__(self, path: Path, name: str, problem: str) -> None:
        self.path, self.name, self.problem = path, name, problem
        super().__init__(
            f"{path}: the record of the import of dataset '{name}' is damaged: {problem}; import the file "
            f"again with `talosbench download --file PATH --name {name} --force`"
        )


def unusable_home(home: Path, dataset: str, exc: OSError) -> DataError:
    """The one message of a data home no run can use: full, read-only, or a file where a folder must be."""
    if home.exists() and not home.is_dir():
        problem = "it is a file, not a folder"
    else:
        where = exc.filename if exc.filename is not None else home
        problem = f"{where}: {exc.strerror or exc}"
    return DataError(
        f"cannot prepare dataset '{dataset}' in the data home {home}: {problem}; free some space, fix its "
        "permissions, or choose another --data-dir (or $TALOSBENCH_HOME)"
    )
