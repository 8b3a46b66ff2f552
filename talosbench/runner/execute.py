"""Train one planned run (anywhere) and store it (in the process that owns the results store)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.data import Split, prepare_split
from talosbench.errors import FAILED, USAGE, TalosbenchError
from talosbench.runner.plan import Job


@dataclass(frozen=True)
class Outcome:
    """What the grid needs to know of a finished run (never its test metrics: tuning reads validation)."""

    run_id: str
    status: str
    """A RunResult status, or ``error`` when the run raised before producing a result."""
    error: str | None = None
    best_valid: dict[str, float] = field(default_factory=dict)
    """Validation metrics at the best validation point: what tuning compares."""
    recorded: bool = True
    """Whether a result.json holds it (a raised run is not recorded, so a rerun retries it)."""
    reused: bool = False
    """Whether it was already complete before this invocation."""
    seconds: float = 0.0
    """Wall time of the run in this invocation."""

    @property
    def ok(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class Context:
    """Where runs read data and write results; picklable, so workers receive it."""

    results_dir: Path
    suite: str
    data_dir: Path | None = None
    mirror: str | None = None
    """Mirror base URL for the downloads of the prepare step before each run (``prepare_and_run``)."""
    shared_device: int = 1
    """How many runs may train at once on the device of each run (1: it has the device to itself).

    Set by the executor that places runs (``--jobs`` workers on one device, ``--gpus-per-run`` below 1
    in Ray); stored in the run's environment, never in its id, so the efficiency table can flag
    timings taken on a shared device.
    """


def stored_outcome(ctx: Context, job: Job) -> Outcome | None:
    """The recorded outcome of ``job``, or None when it is not complete.

    A run whose weights the suite now keeps (``save_model``) but that was stored without them is not
    complete either: it is trained again to keep them. Raises ``results.DamagedRunError`` when the
    run is stored but a file of it cannot be read.
    """
    from talosbench.results import MODEL_FILE, read_run, run_dir

    directory = run_dir(ctx.results_dir, ctx.suite, job.run_id)
    data = read_run(directory)
    if data is None or (job.config.save_model and not (directory / MODEL_FILE).is_file()):
        return None
    valid = {k: float(v) for k, v in (data.get("best_valid") or {}).items() if v is not None}
    return Outcome(job.run_id, str(data.get("status")), data.get("error"), valid, reused=True)


class RunnerError(TalosbenchError, RuntimeError):
    """The grid cannot go on (a worker process died, no executor); completed runs are kept."""

    exit_code = FAILED


class RunnerUsageError(RunnerError):
    """Runner options that do not fit together (an executor's options without it, a bad --devices list)."""

    exit_code = USAGE


@dataclass
class Trained:
    """What training a job produced, before it is stored: picklable, so workers return it."""

    result: RunResult | None
    """The run's result; None when the run raised before producing one."""
    error: str | None = None
    """Why the run raised (configuration or data problems)."""
    seconds: float = 0.0


def prepare_and_run(
    config: RunConfig,
    *,
    data_dir: Path | None = None,
    mirror: str | None = None,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> RunResult:
    """Check ``config``, prepare its data (the one step that may download), then train and test it.

    Names and hyper-parameters are checked first, so a typo never starts a download; training
    itself (``train_split``) only trains on the split prepared here, which is loaded once.
    With ``config.save_model`` the tested snapshot's weights come back in ``RunResult.model``.
    """
    from talosbench.train.run import check_config, train_split

    start = time.perf_counter()
    check_config(config)
    split = split_of(config, data_dir, mirror, on_event)
    prepared = time.perf_counter() - start
    result = train_split(config, split, on_epoch=on_epoch)
    # The start-up before training (checks, loading the split; a download too when one was needed),
    # so that estimates of later runs (bench/estimate.py) count it beside the trainer's wall_seconds.
    result.timings["prepare_seconds"] = prepared
    return result


def split_of(
    config: RunConfig, data_dir: Path | None, mirror: str | None, on_event: Callable[[str], None] | None
) -> Split:
    """The split ``config`` trains on, prepared (downloaded, preprocessed, split) when it is not yet."""
    return prepare_split(
        config.dataset,
        config.scenario,
        config.split_seed,
        data_dir=data_dir,
        preprocess=config.preprocess or None,
        mirror=mirror,
        on_event=on_event,
    )


def train(
    ctx: Context,
    job: Job,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> Trained:
    """Train ``job`` without storing it (wherever the job runs: here, a worker process, a Ray node)."""
    start = time.perf_counter()
    try:
        result = prepare_and_run(
            job.config, data_dir=ctx.data_dir, mirror=ctx.mirror, on_event=on_event, on_epoch=on_epoch
        )
    except Exception as exc:  # configuration or data problems: report and let the grid go on
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Trained(None, detail, time.perf_counter() - start)
    return Trained(result, None, time.perf_counter() - start)


def record(ctx: Context, job: Job, trained: Trained) -> Outcome:
    """Store a trained job in the results store; a run that raised is reported, not recorded."""
    from talosbench.results import environment, run_dir, write_run

    result = trained.result
    if result is None:
        return Outcome(job.run_id, "error", trained.error, recorded=False, seconds=trained.seconds)
    write_run(
        run_dir(ctx.results_dir, ctx.suite, job.run_id),
        job.config,
        result,
        suite=ctx.suite,
        cell=job.cell.key(),
        role=job.role,
        tuning=job.tuning,
        environment={**environment(result.device), "shared_device": ctx.shared_device},
    )
    return Outcome(job.run_id, result.status, result.error, dict(result.best_valid), seconds=trained.seconds)


def execute(
    ctx: Context,
    job: Job,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> Outcome:
    """Train ``job`` and store it; a run that raises is reported, not recorded, so a rerun retries it."""
    return record(ctx, job, train(ctx, job, on_event, on_epoch))
