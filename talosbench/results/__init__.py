"""The results store: one directory per run, written atomically, collected into one Polars frame.

Layout: ``<results-dir>/<suite>/<run-id>/`` holds ``config.json``, ``history.parquet``,
``per_user.parquet``, ``model.safetensors`` when the run's weights were kept, and ``result.json``.
``result.json`` is written last and atomically, so its presence is the completion marker: a directory
without it is an unfinished run and is ignored. A run whose files cannot be read (truncated by a full
disk or a partial copy) or belong to another run (their run id is not the folder's) is damaged: it
counts as not complete, so ``run`` trains it again, and ``collect`` reports it instead of failing.
``<suite>/plan.json`` records which runs the suite expanded to at its last ``run``, so that runs of an
edited suite can be left out of its report.

Modules: ``layout`` (folders and file names), ``write`` (``write_run``, ``write_output``),
``model_file`` (kept weights), ``read`` (a run's files, completeness, damage), ``host`` (the run's
environment), ``frame`` (``collect``), ``plan_file`` (``plan.json``), ``errors``.
"""

from talosbench.results.errors import DamagedRunError, ResultsError, ResultsWriteError, cannot_write
from talosbench.results.frame import (
    MEMORY_KEYS,
    POINT,
    THRESHOLD_KEYS,
    TIMING_KEYS,
    collect,
    metric_sort_key,
    point_columns,
)
from talosbench.results.host import cpu_model, environment
from talosbench.results.layout import (
    CELL_KEYS,
    CONFIG_FILE,
    HISTORY_FILE,
    MODEL_FILE,
    PER_USER_FILE,
    PLAN_FILE,
    RESULT_FILE,
    ROLES,
    check_writable,
    run_dir,
    suite_dir,
)
from talosbench.results.model_file import MODEL_FORMAT, read_model
from talosbench.results.plan_file import read_plan, source_digest, write_plan
from talosbench.results.read import (
    find_run,
    is_complete,
    read_config,
    read_history,
    read_per_user,
    read_result,
    read_run,
)
from talosbench.results.write import write_output, write_run

__all__ = [
    "CELL_KEYS",
    "CONFIG_FILE",
    "HISTORY_FILE",
    "MEMORY_KEYS",
    "MODEL_FILE",
    "MODEL_FORMAT",
    "PER_USER_FILE",
    "PLAN_FILE",
    "POINT",
    "RESULT_FILE",
    "ROLES",
    "THRESHOLD_KEYS",
    "TIMING_KEYS",
    "DamagedRunError",
    "ResultsError",
    "ResultsWriteError",
    "cannot_write",
    "check_writable",
    "collect",
    "cpu_model",
    "environment",
    "find_run",
    "is_complete",
    "metric_sort_key",
    "point_columns",
    "read_config",
    "read_history",
    "read_model",
    "read_per_user",
    "read_plan",
    "read_result",
    "read_run",
    "run_dir",
    "source_digest",
    "suite_dir",
    "write_output",
    "write_plan",
    "write_run",
]
