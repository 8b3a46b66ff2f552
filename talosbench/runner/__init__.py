"""The grid runner: plan a suite's runs, execute them locally (one process or a worker pool), resume."""

from talosbench.runner.execute import Context, Outcome
from talosbench.runner.grid import (
    EXECUTORS,
    CellStatus,
    Listener,
    RunnerError,
    RunnerUsageError,
    Summary,
    check_options,
    current_runs,
    describe,
    run_suite,
    select,
)
from talosbench.runner.interrupt import Interrupted
from talosbench.runner.plan import CellPlan, Job, build_plan, parse_only, total_runs

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
