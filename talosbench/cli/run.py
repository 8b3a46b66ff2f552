"""``talosbench run``: every cell of a suite, tuning first, resuming what is complete; or its dry run."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from talosbench.cli.choices import choices
from talosbench.cli.options import (
    data_dir_option,
    log_option,
    mlflow_uri_option,
    results_dir_option,
    threads_option,
)
from talosbench.runner.executors import EXECUTORS
from talosbench.tracking import LOGGERS

if TYPE_CHECKING:
    from talosbench.bench import PlanEstimate
    from talosbench.runner import CellStatus, Listener
    from talosbench.runner.ray_executor import RayOptions
    from talosbench.suite import Suite
    from talosbench.tracking import MlflowLog

Executor = choices("Executor", EXECUTORS)
Log = choices("Log", LOGGERS)


def run(
    suite_file: Path = typer.Argument(
        ..., help="Suite TOML file, or the name of a shipped suite (see `talosbench suites`)."
    ),
    results_dir: Path = results_dir_option(),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and what is complete; train nothing."
    ),
    only: list[str] = typer.Option(
        [],
        "--only",
        metavar="KEY=VALUE",
        help="Keep cells with KEY=VALUE (dataset, scenario, backbone, loss; repeatable).",
    ),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N (default: the suite's)."),
    jobs: int = typer.Option(1, min=1, help="Runs trained at once, in worker processes when > 1."),
    threads: int | None = threads_option(jobs=True),
    force: bool = typer.Option(False, "--force", help="Rerun runs that are already complete."),
    quiet: bool = typer.Option(False, "--quiet", help="One line per finished run, no live progress."),
    data_dir: Path | None = data_dir_option(),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
    executor: Executor = typer.Option(
        Executor("local"), help="Where runs train: this machine, or a Ray cluster (the ray extra)."
    ),
    devices: str | None = typer.Option(
        None, help="Local workers' devices, round-robin, e.g. cuda:0,cuda:1 (default: every visible GPU)."
    ),
    ray_address: str | None = typer.Option(
        None, help="Ray cluster to join: auto or ray://host:port (default: start a local Ray instance)."
    ),
    gpus_per_run: float | None = typer.Option(
        None, help="Ray: GPUs per run, 0.25 packs four runs per GPU (default: 1 with GPUs, else 0)."
    ),
    cpus_per_run: float | None = typer.Option(None, help="Ray: CPUs (and torch threads) per run [1]."),
    max_retries: int | None = typer.Option(None, help="Ray: retries of a run whose worker dies [2]."),
    log: Log | None = log_option(),
    mlflow_uri: str | None = mlflow_uri_option(),
) -> None:
    """Run every cell of a suite (tuning on validation first where it has lists), resuming finished runs."""
    from talosbench.cli.progress import GridProgress, duration
    from talosbench.runner import Interrupted, check_options, describe, run_suite
    from talosbench.suite import find_suite, load_suite

    ray = _ray_options(ray_address, gpus_per_run, cpus_per_run, max_retries)
    pinned = devices.split(",") if devices is not None else None
    suite = load_suite(find_suite(suite_file), data_dir=data_dir)  # datasets imported there are valid names
    if dry_run:
        check_options(executor.value, device, pinned, ray, threads)  # what the run itself would refuse
        cells = describe(
            suite,
            results_dir,
            device=device,
            only=only,
            on_damaged=lambda job, error: typer.echo(
                f"damaged run {error.directory}: {error.problem}: {job} will be redone by `talosbench run`",
                err=True,
            ),
        )
        _print_plan(suite, cells, results_dir, data_dir)
        return
    tracker = _tracker(log, mlflow_uri, suite.name)  # before any training: a missing mlflow stops here
    estimate = _estimate(suite, results_dir, device, only, force, data_dir)
    per_run = estimate.seconds / estimate.priced if estimate and estimate.priced else None
    progress = GridProgress(quiet, jobs, per_run=per_run)
    try:
        with progress, _tracking(tracker, progress, results_dir, suite.name) as listener:
            summary = run_suite(
                suite,
                results_dir,
                device=device,
                jobs=jobs,
                force=force,
                only=only,
                data_dir=data_dir,
                mirror=mirror,
                listener=listener,
                executor=executor.value,
                devices=pinned,
                ray=ray,
                threads=threads,
            )
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (runner.interrupt.Interrupted)
        how, code = "interrupted", 130
        if isinstance(exc, Interrupted):
            how, code = f"stopped by {exc.name}", exc.exit_code
        typer.echo(
            f"{how} after {progress.done}/{progress.total} runs; completed runs are kept, "
            "rerun the same command to resume",
            err=True,
        )
        raise typer.Exit(code) from None
    where = results_dir / suite.name
    against = _against(estimate, summary.ran, jobs)
    typer.echo(
        f"{summary.total} runs: {summary.ran} trained, {summary.reused} already complete, "
        f"{len(summary.failed)} failed, in {duration(summary.seconds)}{against}; results in {where}",
        err=True,
    )
    if tracker is not None:
        typer.echo(tracker.summary(), err=True)
        tracker.check()
    for job, outcome in summary.failed:
        typer.echo(f"  failed: {job}: {outcome.status}: {outcome.error}", err=True)
    for cell in summary.unreachable:
        typer.echo(f"  no final runs: {cell} (every tuning trial failed)", err=True)
    if summary.failed or summary.unreachable:
        raise typer.Exit(1)


def _tracker(log: Enum | None, uri: str | None, experiment: str) -> MlflowLog | None:
    """The MLflow experiment ``--log mlflow`` records runs in (opened now, so that it fails first)."""
    if log is None:
        return None
    from talosbench.tracking import MlflowLog

    return MlflowLog(uri, experiment)


def _tracking(
    tracker: MlflowLog | None, listener: Listener, results_dir: Path, suite: str
) -> AbstractContextManager[Listener]:
    """``listener``, which also logs each stored run to ``tracker`` when there is one."""
    return nullcontext(listener) if tracker is None else tracker.listening(listener, results_dir, suite)


def _estimate(
    suite: Suite, results_dir: Path, device: str | None, only: list[str], force: bool, data_dir: Path | None
) -> PlanEstimate | None:
    """What the runs about to train should take (``--dry-run``'s estimate); None when it cannot be made.

    Whatever stops the estimate (a bad --only) stops the run too, with its own message, in its order.
    """
    from talosbench.bench import estimate_plan
    from talosbench.errors import TalosbenchError
    from talosbench.runner import describe

    try:
        cells = describe(suite, results_dir, device=device, only=only)  # a damaged run: the grid says so
        return estimate_plan(cells, data_dir=data_dir, results_dir=results_dir, force=force)
    except TalosbenchError:
        return None


def _against(estimate: PlanEstimate | None, trained: int, jobs: int) -> str:
    """`` (estimated 1m10s)`` after the run's time when every run it had to train was priced."""
    from talosbench.cli.progress import duration

    if estimate is None or not estimate.priced or estimate.unpriced or not trained:
        return ""
    return f" (estimated {duration(estimate.seconds / jobs)})"


def _ray_options(
    address: str | None, gpus_per_run: float | None, cpus_per_run: float | None, max_retries: int | None
) -> RayOptions | None:
    """The Ray options given on the command line (the rest at their defaults), or None when none is."""
    if address is None and gpus_per_run is None and cpus_per_run is None and max_retries is None:
        return None
    from talosbench.runner.ray_executor import RayOptions

    defaults = RayOptions()
    return RayOptions(
        address=address,
        gpus_per_run=gpus_per_run,
        cpus_per_run=defaults.cpus_per_run if cpus_per_run is None else cpus_per_run,
        max_retries=defaults.max_retries if max_retries is None else max_retries,
    )


def _print_plan(suite: Suite, cells: list[CellStatus], results_dir: Path, data_dir: Path | None) -> None:
    """The dry run's table: one row per cell, then what the remaining runs should cost."""
    from tabulate import tabulate

    from talosbench.bench import calibrate_plan, estimate_plan
    from talosbench.cli.stages import stage_lines

    rows = []
    for status in cells:
        plan = status.plan
        tuning = f"{plan.trial_count}/{plan.grid_size} points" if plan.tuned else "-"  # tried / grid
        tuning += f" (tpe, {len(plan.points)} tried)" if plan.tpe else ""
        point = ", ".join(f"{k}={v}" for k, v in status.point.as_dict().items()) if status.point else ""
        c = plan.cell
        rows.append([c.dataset, c.scenario, c.backbone, c.loss, tuning, status.runs, status.done, point])
    typer.echo(f"suite {suite.name}: {suite.description}".rstrip(": "))
    typer.echo(
        f"seeds {list(suite.seeds)} (tuning seed {suite.tuning_seed}), validation metric "
        f"{suite.valid_metric}, ks {list(suite.eval.ks)}"
    )
    headers = ["dataset", "scenario", "backbone", "loss", "tuning", "runs", "complete", "chosen"]
    typer.echo(tabulate(rows, headers=headers))
    for line in stage_lines(cells):
        typer.echo(line)
    total, done = sum(s.runs for s in cells), sum(s.done for s in cells)
    trials = sum(s.plan.trial_count for s in cells)
    typer.echo(
        f"{len(cells)} cells, {total} runs ({trials} tuning trials with seed {suite.tuning_seed}, then every "
        f"seed at the chosen point), {done} complete, {total - done} to train; results in "
        f"{results_dir / suite.name}"
    )
    estimate = estimate_plan(cells, data_dir=data_dir, results_dir=results_dir)
    if estimate.uncalibrated:  # no figure of this device yet: measure one, once per machine
        calibration = calibrate_plan(cells, data_dir)
        estimate = estimate_plan(cells, data_dir=data_dir, results_dir=results_dir)
        if calibration is not None:
            estimate = replace(estimate, calibrated=calibration.seconds)
    if estimate.priced:
        typer.echo(
            f"estimated time of {estimate.priced} run(s), one at a time: {describe_estimate(estimate)}"
        )
    if estimate.unpriced:
        typer.echo(
            f"{estimate.unpriced} run(s) not priced: their dataset's sizes are not known before it is "
            "prepared (an imported dataset, or preprocessing overrides), or this device cannot be "
            "measured; run `talosbench download NAME`, or `talosbench bench --dataset NAME` on the device"
        )


def describe_estimate(estimate: PlanEstimate, jobs: int = 1) -> str:
    """``about 40s (25s-1m10s), from 12 stored runs of this suite``; ``jobs`` divides each figure."""
    from talosbench.cli.progress import duration

    central, low, high = (value / jobs for value in (estimate.seconds, estimate.low, estimate.high))
    spread = f" ({duration(low)}-{duration(high)})" if duration(low) != duration(high) else ""
    return f"about {duration(central)}{spread}, from {estimate.source}"
