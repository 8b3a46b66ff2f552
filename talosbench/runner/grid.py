"""Run a whole suite: schedule trials and final runs, choose tuning points on validation, resume."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from talosbench.data.store import LockHeld, file_lock
from talosbench.results import ResultsWriteError, check_writable, suite_dir
from talosbench.runner.execute import (
    Context,
    Outcome,
    RunnerError,
    RunnerUsageError,
    stored_outcome,
)
from talosbench.runner.executors import EXECUTORS
from talosbench.runner.interrupt import stop_on_signals
from talosbench.runner.local import PoolExecutor, SerialExecutor, parse_devices, worker_devices
from talosbench.runner.plan import CellPlan, Job, build_plan, parse_only, total_runs
from talosbench.suite import Cell, Point, Suite, full_grid
from talosbench.threads import thread_count

if TYPE_CHECKING:
    from talosbench.results import DamagedRunError
    from talosbench.runner.ray_executor import RayOptions
    from talosbench.runner.tpe import Study


LOCK_FILE = ".lock"
"""Held in ``<results>/<suite>/`` by the runner writing there."""

# The command-line option of each RayOptions field, to name the ones given without --executor ray.
_RAY_FLAGS = {
    "address": "--ray-address",
    "gpus_per_run": "--gpus-per-run",
    "cpus_per_run": "--cpus-per-run",
    "max_retries": "--max-retries",
}


class Listener:
    """Progress callbacks of a grid; subclass and override what you want to show. All no-ops here."""

    def planned(self, total: int, done: int) -> None:
        """The grid holds ``total`` runs, ``done`` of which are already complete."""

    def started(self, job: Job) -> None:
        """A run begins training."""

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        """A run finished an epoch or a validation (``{"epoch", "epochs", "train_loss", "valid"}``), or moved
        on within an epoch (``{"epoch", "epochs", "batch", "batches"}``): ``train.trainer.EpochCallback``."""

    def finished(self, job: Job, outcome: Outcome) -> None:
        """A run ended (or was found complete: ``outcome.reused``)."""

    def chosen(self, cell: Cell, point: Point | None, trials: int) -> None:
        """Tuning chose ``point`` for ``cell`` on validation (None: every trial failed)."""

    def message(self, text: str) -> None:
        """A notice from data preparation or the runner."""

    def running(self, where: dict[str, int]) -> None:
        """Runs training now, per node (the Ray executor reports it when it changes)."""

    def damaged(self, job: Job, problem: str) -> None:
        """A stored run of ``job`` cannot be read (``problem`` names its folder): it is trained again."""


OnDamaged = Callable[[Job, "DamagedRunError"], None]


class _Stored:
    """Outcomes stored before this invocation, each read once; a damaged run counts as not stored."""

    def __init__(self, ctx: Context, on_damaged: OnDamaged | None = None) -> None:
        self.ctx = ctx
        self.on_damaged = on_damaged
        self.cache: dict[str, Outcome | None] = {}

    def __call__(self, job: Job) -> Outcome | None:
        from talosbench.results import DamagedRunError

        if job.run_id not in self.cache:
            try:
                self.cache[job.run_id] = stored_outcome(self.ctx, job)
            except DamagedRunError as error:
                self.cache[job.run_id] = None
                if self.on_damaged is not None:
                    self.on_damaged(job, error)
        return self.cache[job.run_id]


@dataclass
class Summary:
    """What a grid invocation did."""

    total: int = 0
    """Runs in the plan, tuning trials included."""
    reused: int = 0
    """Runs that had completed before this invocation (a stored failure counts in ``failed`` only)."""
    ran: int = 0
    """Runs trained now that completed (one that failed, diverged, ran out of memory or raised counts
    in ``failed`` only, so ``ran + reused + len(failed)`` is the number of runs that ended)."""
    failed: list[tuple[Job, Outcome]] = field(default_factory=list)
    """Runs that did not complete (diverged, failed, oom, or raised), now or before, with their outcome."""
    unreachable: list[Cell] = field(default_factory=list)
    """Tuned cells whose every trial failed, so no final runs were trained."""
    seconds: float = 0.0


def select(suite: Suite, plan: CellPlan, outcomes: dict[str, Outcome]) -> Point | None:
    """The tuning point whose trial has the highest validation metric (first on ties); test is never read."""
    best, best_value = None, float("-inf")
    for point, trial in zip(plan.points, plan.trials(), strict=True):
        outcome = outcomes.get(trial.run_id)
        if outcome is None or not outcome.ok:
            continue
        value = outcome.best_valid.get(suite.valid_metric)
        if value is not None and value == value and value > best_value:  # NaN never wins
            best, best_value = point, value
    return best


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
    (RunnerUsageError, ResultsWriteError, DeviceError; see ``check_options``), and
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
    _preflight(ctx, executor, device or suite.setting("device"), devices, ray, threads)
    with hold_results(ctx), stop_on_signals():
        return _run_grid(
            suite,
            ctx,
            device=device,
            jobs=jobs,
            force=force,
            only=only,
            listener=listener,
            executor=executor,
            devices=devices,
            ray=ray,
            threads=threads,
        )


@contextmanager
def hold_results(ctx: Context) -> Iterator[None]:
    """Hold ``<results>/<suite>/.lock`` while a grid writes there; two runners would train every run twice.

    The lock is not waited for: a second runner stops at once, before training anything, and names
    the holder. The operating system releases it when the holder ends, however it ends.
    """
    folder = suite_dir(ctx.results_dir, ctx.suite)
    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(folder / LOCK_FILE, wait=False))
        except LockHeld as exc:
            holder = f"another talosbench run (pid {exc.pid})" if exc.pid else "another talosbench run"
            raise RunnerError(
                f"{holder} is already writing suite {ctx.suite!r} into {folder}; wait for it to end, "
                "or stop it and rerun this command to resume, or pass another --results-dir"
            ) from None
        except OSError as exc:  # say so now rather than after training the first run
            raise RunnerError(
                f"cannot write {folder}: {exc.strerror or exc}; pass a --results-dir you can write to"
            ) from None
        yield


def _run_grid(
    suite: Suite,
    ctx: Context,
    *,
    device: str | None,
    jobs: int,
    force: bool,
    only: Sequence[str],
    listener: Listener | None,
    executor: str,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None,
) -> Summary:
    """The body of ``run_suite``, once the results are held and signals stop the grid."""
    listener = listener or Listener()
    plans = build_plan(suite, device=device, only=parse_only(suite, only))
    lookup = _Stored(ctx, lambda job, error: listener.damaged(job, f"{error.directory}: {error.problem}"))
    # The whole suite's runs, whatever --only keeps: its report leaves every other stored run out.
    current = _current_runs(suite, plans if not only else build_plan(suite, device=device), lookup)
    _record_plan(ctx, suite, current)
    summary = Summary(total=total_runs(plans))
    started = time.perf_counter()
    pending: dict[str, Job] = {}
    for plan in plans:  # everything whose outcome is already stored counts as done up front
        for job in plan.trials() if plan.tuned else plan.finals():
            pending[job.run_id] = job
    done = 0 if force else sum(_done(*_status(suite, plan, lookup), lookup) for plan in plans)
    listener.planned(summary.total, done)

    ready: deque[Job] = deque()
    outcomes: dict[str, Outcome] = {}
    waiting: dict[Cell, CellPlan] = {plan.cell: plan for plan in plans if plan.tuned}
    studies = {plan.cell: _study(suite, plan) for plan in plans if plan.tpe}

    def record(job: Job, outcome: Outcome) -> None:
        outcomes[job.run_id] = outcome
        if not outcome.ok:
            summary.failed.append((job, outcome))
        elif outcome.reused:
            summary.reused += 1
        else:
            summary.ran += 1
        listener.finished(job, outcome)

    def finish(job: Job, outcome: Outcome) -> None:
        record(job, outcome)
        plan = waiting.get(job.cell)
        if plan is not None and plan.tpe:
            studies[plan.cell].tell(studies[plan.cell].asked, outcome)
            propose(plan)
        elif plan is not None and all(t.run_id in outcomes for t in plan.trials()):
            del waiting[job.cell]
            finals(plan)

    def propose(plan: CellPlan) -> None:
        """Queue a TPE cell's next untrained proposal; stored ones are told as they come (a resume)."""
        study = studies[plan.cell]
        while (point := study.ask()) is not None:
            job = plan.with_points([point]).trials()[0]
            pending[job.run_id] = job
            outcome = None if force else lookup(job)
            if outcome is None:
                current[plan.cell] = plan.with_points([*study.points, point]).run_ids()
                _record_plan(ctx, suite, current)  # the report counts a proposal as soon as it trains
                ready.append(job)
                return
            record(job, outcome)
            study.tell(point, outcome)
        del waiting[plan.cell]
        finals(plan.with_points(study.points))

    def finals(plan: CellPlan) -> None:
        point = select(suite, plan, outcomes)
        listener.chosen(plan.cell, point, len(plan.points))
        if point is None:
            summary.unreachable.append(plan.cell)
            return
        current[plan.cell] = plan.run_ids(point)
        _record_plan(ctx, suite, current)
        for job in plan.finals(point):
            enqueue(job)

    def enqueue(job: Job) -> None:
        pending[job.run_id] = job
        outcome = None if force else lookup(job)
        if outcome is not None:
            finish(job, outcome)
        else:
            ready.append(job)

    pool = _executor(
        executor, ctx, listener, plans, jobs, device or suite.setting("device"), devices, ray, threads
    )
    running: dict[Future[Outcome], Job] = {}
    try:
        for plan in plans:
            if plan.tpe:
                propose(plan)
                continue
            for job in plan.trials() if plan.tuned else plan.finals():
                enqueue(job)
        while ready or running:
            while ready and len(running) < pool.slots:
                job = ready.popleft()
                running[pool.submit(job)] = job
            done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            pool.poll(pending)
            for future in done:
                job = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    raise RunnerError(
                        f"a worker process died while training {job} (killed for memory?); every "
                        "completed run is kept: rerun the same command to resume"
                    ) from exc
                finish(job, outcome)
    except ResultsWriteError as exc:  # a full or read-only disk does not heal by itself: stop the grid
        pool.shutdown(cancel=True)
        raise RunnerError(f"{exc}; every completed run is kept: rerun the same command to resume") from None
    except BaseException:
        pool.shutdown(cancel=True)
        raise
    pool.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary


def check_options(
    executor: str,
    device: str | None,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None = None,
) -> None:
    """Refuse options that do not fit together, before anything is read or written (RunnerUsageError,
    DeviceError, ThreadsError): an unknown executor, Ray options without Ray, ``devices`` or ``threads``
    with Ray, a malformed device, a thread count below 1, the Ray executor where Ray is not installed."""
    from talosbench.device import check_device

    if executor not in EXECUTORS:
        raise RunnerUsageError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    if executor == "local" and ray is not None:
        from talosbench.runner.ray_executor import RayOptions

        default = RayOptions()
        given = [flag for name, flag in _RAY_FLAGS.items() if getattr(ray, name) != getattr(default, name)]
        raise RunnerUsageError(f"{', '.join(given or _RAY_FLAGS.values())} need --executor ray")
    if executor == "ray" and devices is not None:
        raise RunnerUsageError(
            "--devices pins local workers; with --executor ray, Ray places runs on GPUs: "
            "use --gpus-per-run instead"
        )
    if executor == "ray" and threads is not None:
        raise RunnerUsageError(
            "--threads sets the threads of local runs; with --executor ray a run's torch threads are "
            "its --cpus-per-run"
        )
    if devices is not None:
        parse_devices(devices)
    if device is not None:
        check_device(device)
    if executor == "ray":
        from talosbench.runner.ray_executor import INSTALL, ray_installed

        if not ray_installed():  # say so before the plan is printed, not when the first run starts
            raise RunnerUsageError(f"--executor ray needs Ray, which is not installed: {INSTALL}")
    thread_count(threads)  # a count below 1 is refused here, not in every worker


def _preflight(
    ctx: Context,
    executor: str,
    device: str,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None,
) -> None:
    """Fail before any run trains on what would fail every run: options that do not fit together, an
    unwritable results folder, a device this machine lacks (Ray places runs on its own nodes, so only
    local runs are checked)."""
    check_options(executor, device, devices, ray, threads)
    if executor == "local":
        from talosbench.device import resolve_device

        for name in parse_devices(devices) if devices else [device]:
            resolve_device(name)  # raises DeviceError naming the device and what to use instead
    check_writable(suite_dir(ctx.results_dir, ctx.suite))


def _executor(
    kind: str,
    ctx: Context,
    listener: Listener,
    plans: list[CellPlan],
    jobs: int,
    device: str,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None,
) -> Any:
    """The executor that trains the grid's runs: serial, a local worker pool, or Ray tasks."""
    if kind == "ray":  # check_options has refused what does not fit the executor
        from talosbench.runner.ray_executor import RayExecutor, RayOptions

        return RayExecutor(ctx, listener, ray or RayOptions(), device)
    pinned = parse_devices(devices) if devices else worker_devices(device, jobs)
    if pinned and len(pinned) > jobs:
        listener.message(
            f"{len(pinned)} devices but {jobs} job(s): {', '.join(pinned[jobs:])} stay idle "
            f"(pass --jobs {len(pinned)} or more to use them all)"
        )
    if jobs > 1:
        _prepare_data(plans, ctx, listener)
        return PoolExecutor(ctx, listener, jobs, pinned, threads)
    return SerialExecutor(ctx, listener, pinned[0] if pinned else None, threads)


@dataclass(frozen=True)
class CellStatus:
    """A cell of a dry run: how many runs it holds, how many are complete, the chosen point if known."""

    plan: CellPlan
    runs: int
    done: int
    point: Point | None


def describe(
    suite: Suite,
    results_dir: str | Path,
    *,
    device: str | None = None,
    only: Sequence[str] = (),
    on_damaged: OnDamaged | None = None,
) -> list[CellStatus]:
    """The plan of ``suite`` against what ``results_dir`` already holds, without training anything.

    A damaged stored run counts as not complete and is passed to ``on_damaged``.
    """
    lookup = _Stored(Context(Path(results_dir), suite.name), on_damaged)
    out = []
    for plan in build_plan(suite, device=device, only=parse_only(suite, only)):
        tried, point = _status(suite, plan, lookup)
        out.append(CellStatus(tried, plan.runs, _done(tried, point, lookup), point))
    return out


def current_runs(suite: Suite, results_dir: str | Path) -> list[str]:
    """The run ids ``suite`` expands to now against ``results_dir``: what ``run_suite`` records.

    Tuned cells list their trials, and their finals once every trial is stored and a point chosen.
    """
    lookup = _Stored(Context(Path(results_dir), suite.name))
    return [rid for runs in _current_runs(suite, build_plan(suite), lookup).values() for rid in runs]


def _current_runs(suite: Suite, plans: list[CellPlan], lookup: _Stored) -> dict[Cell, list[str]]:
    statuses = [_status(suite, plan, lookup) for plan in plans]
    return {tried.cell: tried.run_ids(point) for tried, point in statuses}


def _record_plan(ctx: Context, suite: Suite, runs: dict[Cell, list[str]]) -> None:
    from talosbench.results import write_plan

    runs_now = [rid for ids in runs.values() for rid in ids]
    evaluation = {"metrics": suite.eval.metrics, "ks": suite.eval.ks}
    write_plan(suite_dir(ctx.results_dir, ctx.suite), runs_now, suite.source, evaluation)


def _study(suite: Suite, plan: CellPlan) -> Study:
    from talosbench.runner.tpe import Study

    assert plan.tpe_budget is not None
    return Study(suite, full_grid(suite, plan.cell), plan.tpe_budget)


def _status(suite: Suite, plan: CellPlan, lookup: _Stored) -> tuple[CellPlan, Point | None]:
    """The plan with the trials proposed so far (a TPE cell's stored ones, replayed), and its chosen
    point once every trial is stored (None before that, when every trial failed, and when untuned)."""
    if not plan.tuned:
        return plan, None
    if plan.tpe:
        from talosbench.runner.tpe import replay

        study = _study(suite, plan)
        replay(study, lambda point: lookup(plan.with_points([point]).trials()[0]))
        plan = plan.with_points(study.points)
    stored = {job.run_id: o for job in plan.trials() if (o := lookup(job))}
    return plan, select(suite, plan, stored) if len(stored) == plan.trial_count else None


def _done(plan: CellPlan, point: Point | None, lookup: _Stored) -> int:
    """Runs of ``plan`` (as ``_status`` returns it) already complete; finals once its point is known."""
    jobs = plan.trials() if plan.tuned else plan.finals()
    if point is not None:
        jobs += plan.finals(point)
    return sum(lookup(job) is not None for job in jobs)


def _prepare_data(plans: list[CellPlan], ctx: Context, listener: Listener) -> None:
    """Prepare each split once in this process so that workers only read caches (no racing writers)."""
    from talosbench.data import prepare_split

    seen = set()
    for plan in plans:
        config = plan.first_config()
        key = (config.dataset, config.scenario, config.split_seed, tuple(sorted(config.preprocess.items())))
        if key in seen:
            continue
        seen.add(key)
        prepare_split(
            config.dataset,
            config.scenario,
            config.split_seed,
            data_dir=ctx.data_dir,
            preprocess=config.preprocess or None,
            mirror=ctx.mirror,
            on_event=listener.message,
        )
