"""Train one planned run (anywhere) and store it (in the process that owns the results store)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.data import Split, prepare_split
from talosbench.runner.prune import curve_of, decider
from talosbench.runner.records import Context, Job, Outcome, Trained


def prepare_and_run(
    config: RunConfig,
    *,
    data_dir: Path | None = None,
    mirror: str | None = None,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    limits: Callable[[str], str] | None = None,
    prune: Callable[[int, float], bool] | None = None,
) -> RunResult:
    """Check ``config``, prepare its data (the one step that may download), then train and test it.

    Names and hyper-parameters are checked first, so a typo never starts a download; training
    itself (``train_split``) only trains on the split prepared here, which is loaded once.
    With ``config.save_model`` the tested snapshot's weights come back in ``RunResult.model``.
    With ``limits`` (how the user set a field: ``--negatives``) the settings are checked against the
    split's items and the device's memory first (``train.limits``; a grid checks them once instead).
    ``prune`` (a tuning trial's pruner, ``runner.prune``) may stop it at a validation.
    """
    from talosbench.train.run import check_config, train_split

    start = time.perf_counter()
    check_config(config)
    split = split_of(config, data_dir, mirror, on_event)
    if limits is not None:
        from talosbench.device import resolve_device
        from talosbench.train.limits import check_limits

        check_limits(
            config, split.n_users, split.n_items, config.dataset, resolve_device(config.device), limits
        )
    prepared = time.perf_counter() - start
    result = train_split(config, split, on_epoch=on_epoch, prune=prune)
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
        config.run_split_seed,
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
        prune = decider(job.pruning) if job.pruning is not None else None
        result = prepare_and_run(
            job.config,
            data_dir=ctx.data_dir,
            mirror=ctx.mirror,
            on_event=on_event,
            on_epoch=on_epoch,
            prune=prune,
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
    curve = curve_of(result.history, job.config.valid_metric) if job.config.pruner is not None else ()
    return Outcome(
        job.run_id, result.status, result.error, dict(result.best_valid), seconds=trained.seconds, curve=curve
    )


def execute(
    ctx: Context,
    job: Job,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> Outcome:
    """Train ``job`` and store it; a run that raises is reported, not recorded, so a rerun retries it."""
    return record(ctx, job, train(ctx, job, on_event, on_epoch))
