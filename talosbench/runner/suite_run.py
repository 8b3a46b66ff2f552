"""Run a whole suite: check the options, hold its results, pick up what is stored, schedule the rest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from talosbench.results import ResultsWriteError
from talosbench.runner.interrupt import stop_on_signals
from talosbench.runner.limits import check_grid_limits
from talosbench.runner.lock import hold_results
from talosbench.runner.options import open_executor, preflight
from talosbench.runner.plan import build_plan, parse_only
from talosbench.runner.prepare import prepare_splits
from talosbench.runner.records import Context, Listener, RunnerError, SilentListener, Summary
from talosbench.runner.scheduler import Scheduler
from talosbench.runner.status import StoredOutcomes, cell_status
from talosbench.suite import Suite

if TYPE_CHECKING:
    from talosbench.runner.ray_executor import RayOptions


def run_suite(
    suite: Suite,
    results_dir: str | Path,
    *,
    device: str | None = None,
    jobs: int = 1,
    force: bool = False,
    only: Sequence[str] = (),
    data_dir: Path | None = None,
    mirror: str | None = None,
    listener: Listener | None = None,
    executor: str = "local",
    devices: Sequence[str] | None = None,
    ray: RayOptions | None = None,
    threads: int | None = None,
) -> Summary:
    """Train every run of ``suite`` that is not complete yet and store it under ``results_dir``.

    Failed runs are recorded and the grid goes on; options that do not fit together, a results
    directory that cannot be written or a device this machine lacks stop it before anything trains
    (RunnerUsageError, ResultsWriteError, DeviceError; see ``options.check_options``), as does a
    split that cannot be made (a dataset that does not download, too small to split, a data home
    that is full or a file: one DataError, from ``prepare.prepare_splits``), and
    a write that fails later stops it with a RunnerError, keeping every completed run. Tuned cells
    train every point with the suite's tuning seed, choose the best on validation, then train every
    reported seed fresh there (no reported run is a trial that won the selection). ``executor`` is ``local``
    (this process, or ``jobs`` worker processes pinned round-robin to ``devices``) or ``ray`` (one
    Ray task per run, see ``ray``); either way this process writes the results store. Local runs train
    with ``threads`` torch threads each (default ``threads.thread_count``: the available CPUs divided
    by ``jobs``); a Ray run's threads are its ``cpus_per_run``.

    One runner at a time writes a suite's results (another one holding them is a RunnerError).
    SIGTERM and SIGHUP stop the grid as Ctrl-C does: workers stop, completed runs are kept, and
    ``runner.interrupt.Interrupted`` (a KeyboardInterrupt) is raised.
    """
    ctx = Context(Path(results_dir), suite.name, data_dir, mirror)
    runs_on = device or suite.setting("device")
    preflight(ctx, executor, runs_on, devices, ray, threads)
    listener = listener or SilentListener()
    with hold_results(ctx), stop_on_signals():
        plans = build_plan(suite, device=device, only=parse_only(suite, only))
        stored = StoredOutcomes(
            ctx, lambda job, error: listener.damaged(job, f"{error.directory}: {error.problem}")
        )
        selected = {plan.cell for plan in plans}
        # The whole suite's runs, whatever --only keeps: its report leaves every other stored run out.
        statuses = [
            cell_status(suite, plan, stored) for plan in (build_plan(suite, device=device) if only else plans)
        ]
        pending = [s.plan for s in statuses if s.plan.cell in selected and (force or s.done < s.runs)]
        # Every split a run still needs, made once before any run trains: a fault of the data stops here.
        prepare_splits(pending, ctx, listener.message)
        local = None if executor == "ray" else list(devices or [runs_on])  # Ray places runs on its nodes
        check_grid_limits(suite, pending, ctx, local, listener.message)
        scheduler = Scheduler(
            suite,
            ctx,
            plans,
            {status.plan.cell: status.run_ids() for status in statuses},
            listener=listener,
            stored=stored,
            force=force,
        )
        scheduler.write_plan()
        done = 0 if force else sum(status.done for status in statuses if status.plan.cell in selected)
        listener.planned(scheduler.summary.total, done)
        pool = open_executor(executor, ctx, listener, jobs, runs_on, devices, ray, threads)
        try:
            summary = scheduler.run(pool)
        except ResultsWriteError as exc:  # a full or read-only disk does not heal by itself: stop the grid
            pool.shutdown(cancel=True)
            raise RunnerError(
                f"{exc}; every completed run is kept: rerun the same command to resume"
            ) from None
        except BaseException:
            pool.shutdown(cancel=True)
            raise
        pool.shutdown()
        return summary
