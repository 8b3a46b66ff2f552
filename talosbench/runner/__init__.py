"""The grid runner: plan a suite's runs, execute them locally (one process or a worker pool), resume.

Names are imported when first read (``talosbench.lazy``), so that ``runner.executors`` (the CLI's
``--help``) does not load the results store and its polars.
"""

from typing import TYPE_CHECKING

from talosbench.lazy import lazy_exports
from talosbench.runner.executors import EXECUTORS

if TYPE_CHECKING:  # what ``__getattr__`` loads on first use, for type checkers and import-linter
    from talosbench.runner.cell_state import select
    from talosbench.runner.interrupt import Interrupted
    from talosbench.runner.options import check_options
    from talosbench.runner.plan import CellPlan, build_plan, parse_only, total_runs
    from talosbench.runner.records import (
        Context,
        Job,
        Listener,
        Outcome,
        RunnerError,
        RunnerUsageError,
        SilentListener,
        Summary,
    )
    from talosbench.runner.status import CellCount, CellStatus, count_cells, current_runs, describe
    from talosbench.runner.suite_run import run_suite

__getattr__ = lazy_exports(
    __name__, ("cell_state", "interrupt", "options", "plan", "records", "status", "suite_run")
)

__all__ = [
    "EXECUTORS",
    "CellCount",
    "CellPlan",
    "CellStatus",
    "Context",
    "Interrupted",
    "Job",
    "Listener",
    "Outcome",
    "RunnerError",
    "RunnerUsageError",
    "SilentListener",
    "Summary",
    "build_plan",
    "check_options",
    "count_cells",
    "current_runs",
    "describe",
    "parse_only",
    "run_suite",
    "select",
    "total_runs",
]
