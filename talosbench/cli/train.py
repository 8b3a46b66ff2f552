"""``talosbench train``: one configuration with early stopping, its test metrics printed and stored.

Its run settings are options generated from ``RunConfig`` (``cli/settings.py``). The run is stored
in the results layout under ``<results-dir>/<name>/<run-id>/`` (``runner/single.py``), so ``report``
and ``plot`` read it; ``--save-model`` keeps its best weights there for ``talosbench evaluate``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from talosbench.cli.choices import choices
from talosbench.cli.options import (
    data_dir_option,
    log_option,
    mlflow_uri_option,
    results_dir_option,
    threads_option,
)
from talosbench.cli.settings import flag, with_settings
from talosbench.data.catalog import Recommended
from talosbench.data.scenario_names import SCENARIO_HELP
from talosbench.paths import SINGLE_RUNS
from talosbench.tracking import LOGGERS

Scenario = choices("Scenario", SCENARIO_HELP)
Log = choices("Log", LOGGERS)


def _parse_assignments(pairs: list[str], option: str) -> dict[str, object]:
    """``KEY=VALUE`` pairs with TOML-typed values (``0.1`` is a float, ``true`` a bool)."""
    from talosbench.toml import tomllib

    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got '{pair}'", param_hint=option)
        try:
            out[key.strip()] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = raw.strip()
    return out


@with_settings(choices={"scenario": Scenario})
def train(
    settings: dict[str, Any],
    given: frozenset[str],
    recommended: bool = typer.Option(
        True,
        "--recommended/--no-recommended",
        help="Take the dataset's recommended starting settings (`talosbench datasets NAME`) for the "
        "options you leave unset; --no-recommended keeps the run defaults (the paper's protocol).",
    ),
    set_: list[str] = typer.Option(
        [], "--set", metavar="KEY=VALUE", help="Loss hyper-parameter KEY=VALUE (repeatable)."
    ),
    backbone_set: list[str] = typer.Option(
        [], "--backbone-set", metavar="KEY=VALUE", help="Backbone hyper-parameter KEY=VALUE."
    ),
    data_dir: Path | None = data_dir_option(),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
    threads: int | None = threads_option(),
    results_dir: Path = results_dir_option(),
    name: str = typer.Option(
        SINGLE_RUNS,
        help="Folder under --results-dir the run is stored in (a pseudo-suite for report and plot).",
    ),
    log: Log | None = log_option(),
    mlflow_uri: str | None = mlflow_uri_option(),
) -> None:
    """Train one configuration with early stopping, print its test metrics and store the run."""
    from tabulate import tabulate

    from talosbench.cli.progress import TrainProgress
    from talosbench.config import RunConfig
    from talosbench.data.catalog import apply_recommended
    from talosbench.device import torch_threads
    from talosbench.results import is_complete, run_dir
    from talosbench.runner.execute import prepare_and_run
    from talosbench.runner.single import check_destination, store
    from talosbench.threads import thread_count
    from talosbench.train.run import check_config

    applied: tuple[Recommended, ...] = ()
    if recommended:
        settings, applied = apply_recommended(settings["dataset"], settings, given)
    config = RunConfig(
        **settings,
        loss_params=_parse_assignments(set_, "--set"),
        backbone_params=_parse_assignments(backbone_set, "--backbone-set"),
    )
    check_config(config)  # a typo is reported before anything is created under --results-dir
    tracker = None
    if log is not None:  # opened before anything is created, so that a missing mlflow stops here
        from talosbench.tracking import MlflowLog

        tracker = MlflowLog(mlflow_uri, name)  # the pseudo-suite is the experiment
    check_destination(results_dir, name)  # a folder that cannot take the run fails before training
    for line in describe_recommended(config.dataset, applied):  # once the settings are known to be valid
        typer.echo(line)
    label = f"{config.dataset}/{config.scenario}/{config.backbone}/{config.loss} seed {config.seed}"
    with torch_threads(thread_count(threads)), TrainProgress(label, config.valid_metric) as progress:
        result = prepare_and_run(  # prepares the data first: training itself never downloads
            config,
            data_dir=data_dir,
            mirror=mirror,
            on_event=progress.message,
            on_epoch=progress,
            limits=lambda field: flag(field) if field in given else f"{flag(field)} (left unset)",
        )
    replaced = is_complete(run_dir(results_dir, name, config.run_id))
    directory = store(results_dir, name, config, result)
    typer.echo(
        f"status: {result.status}  epochs: {result.epochs}  best epoch: {result.best_epoch}  "
        f"median s/epoch: {result.timings.get('train_seconds_per_epoch', float('nan')):.3f}  "
        f"device: {result.device}  threads: {result.threads}"
    )
    if result.error:
        typer.echo(f"error: {result.error}")
    if result.test:
        rows = [[name, f"{value:.4f}"] for name, value in result.test.items()]
        rows += [[name, f"{value:.4f}"] for name, value in result.thresholds.items()]
        typer.echo(tabulate(rows, headers=["test metric", "value"]))
    kept = " with its weights (model.safetensors)" if result.model else ""
    again = " (replacing its earlier training)" if replaced else ""
    typer.echo(f"run {config.run_id} stored in {directory}{kept}{again}", err=True)
    if tracker is not None:
        tracker.log_now(directory)
        typer.echo(tracker.summary(), err=True)
    if result.status != "completed":
        raise typer.Exit(1)


def describe_recommended(dataset: str, applied: Sequence[Recommended]) -> list[str]:
    """What ``train`` says about the settings it took from the dataset's recommendations (none: nothing).

    One line names them all; one line per setting (wrapped to 100 columns) says whether it stays
    within the paper's protocol or departs from it, and what the protocol does.
    """
    if not applied:
        return []
    values = ", ".join(f"{r.setting}={r.value}" for r in applied)
    lines = [
        f"settings recommended for {dataset}: {values}",
        "  (the options you give win; --no-recommended keeps the run defaults)",
    ]
    width = max(len(f"{r.setting}={r.value}") for r in applied)
    for r in applied:
        kind = "departs from the paper's protocol" if r.departure else "within the paper's protocol"
        lines += textwrap.wrap(
            f"{r.setting}={r.value}".ljust(width) + f"  {kind}: {r.protocol}",
            100,
            initial_indent="  ",
            subsequent_indent=" " * (width + 4),
            break_on_hyphens=False,
        )
    return lines
