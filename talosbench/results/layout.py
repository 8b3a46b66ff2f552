"""Where the results store keeps things: the folders of a suite and a run, the names of a run's files.

``<results-dir>/<suite>/<run-id>/`` holds ``config.json``, ``history.parquet``, ``per_user.parquet``,
``model.safetensors`` when the run's weights were kept, and ``result.json``, written last as the
completion marker; ``<results-dir>/<suite>/plan.json`` records the runs the suite expanded to.
"""

from __future__ import annotations

from pathlib import Path

from talosbench.data import store
from talosbench.paths import check_name, inside
from talosbench.results.errors import PLAN_FILE as PLAN_FILE  # where the store keeps it, with the run files
from talosbench.results.errors import cannot_write

RESULT_FILE = "result.json"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.parquet"
PER_USER_FILE = "per_user.parquet"
MODEL_FILE = "model.safetensors"
ROLES = ("trial", "final")
"""What a stored run was for: a tuning trial, or a final run at the chosen point."""
CELL_KEYS = ("dataset", "scenario", "backbone", "loss")
"""The keys of the grid cell every stored run records."""


def suite_dir(results_dir: Path, suite: str) -> Path:
    """The folder of one suite's results, ``<results-dir>/<suite>``, checked to lie inside ``results_dir``."""
    return inside(results_dir, Path(results_dir) / check_name(suite, "suite name"))


def run_dir(results_dir: Path, suite: str, run_id: str) -> Path:
    """The directory of one run, ``<results-dir>/<suite>/<run-id>``, checked to lie inside ``results_dir``.

    Every file of the results store is written under one of these two folders, so no suite name or
    run id can place a write (or the removal of a stale ``result.json``) outside the results directory.
    """
    return inside(results_dir, suite_dir(results_dir, suite) / check_name(run_id, "run id"))


def check_writable(directory: Path, option: str = "--results-dir") -> None:
    """Create ``directory`` and prove that a file can be written there, before any work depends on it.

    Raises ResultsWriteError (its advice names ``option``, what chose the folder); the probe file is
    removed either way.
    """
    directory = Path(directory)
    try:
        store.atomic_write_bytes(directory / ".write-check", b"talosbench\n")
        (directory / ".write-check").unlink(missing_ok=True)  # a grid started beside this one may race us
    except OSError as exc:
        raise cannot_write(directory, exc, option) from None
