"""The grid runner: plan a suite's runs, execute them locally (one process or a worker pool), resume."""

from talosbench.runner.cell_state import select
from talosbench.runner.interrupt import Interrupted
from talosbench.runner.options import EXECUTORS, check_options
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
from talosbench.runner.status import CellStatus, current_runs, describe
from talosbench.runner.suite_run import run_suite

__all__ = [
    "EXECUTORS",
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
    "current_runs",
    "describe",
    "parse_only",
    "run_suite",
    "select",
    "total_runs",
]
