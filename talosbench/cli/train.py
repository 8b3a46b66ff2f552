"""``talosbench train``: one configuration with early stopping, its test metrics printed and stored.

Its run settings are options generated from ``RunConfig`` (``cli/settings.py``). The run is stored
in the results layout under ``<results-dir>/<name>/<run-id>/`` (``runner/single.py``), so ``report``
and ``plot`` read it; ``--save-model`` keeps its best weights there for ``talosbench evaluate``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from talosbench.cli.choices import choices
from talosbench.cli.options import data_dir_option, results_dir_option
from talosbench.cli.settings import with_settings
from talosbench.data.scenarios import SCENARIOS

Scenario = choices("Scenario", SCENARIOS.names())


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
    set_: list[str] = typer.Option([], "--set", help="Loss hyper-parameter KEY=VALUE (repeatable)."),
    backbone_set: list[str] = typer.Option([], "--backbone-set", help="Backbone hyper-parameter KEY=VALUE."),
    data_dir: Path | None = data_dir_option(),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
    results_dir: Path = results_dir_option(),
    name: str = typer.Option(
        "train", help="Folder under --results-dir the run is stored in (a pseudo-suite for report and plot)."
    ),
) -> None:
    """Train one configuration with early stopping, print its test metrics and store the run."""
    from tabulate import tabulate

    from talosbench.config import RunConfig
    from talosbench.results import is_complete, run_dir
    from talosbench.runner.execute import prepare_and_run
    from talosbench.runner.single import check_destination, store
    from talosbench.train.run import check_config

    config = RunConfig(
        **settings,
        loss_params=_parse_assignments(set_, "--set"),
        backbone_params=_parse_assignments(backbone_set, "--backbone-set"),
    )
    valid_metric = config.valid_metric
    check_config(config)  # a typo is reported before anything is created under --results-dir
    check_destination(results_dir, name)  # a folder that cannot take the run fails before training

    live = sys.stderr.isatty()  # a log file gets the validation lines, not a redrawn bar

    def on_epoch(info: dict) -> None:
        if info.get("valid") is not None:
            value = info["valid"].get(valid_metric, float("nan"))
            line = f"\r  epoch {info['epoch']:>4}: valid {valid_metric} = {value:.4f}"
            typer.echo(line + " " * 20 if live else line.lstrip("\r"), err=True)
        elif live:
            done = int(30 * info["epoch"] / max(info["epochs"], 1))
            bar = "#" * done + "." * (30 - done)
            line = f"\r  [{bar}] epoch {info['epoch']}/{info['epochs']} loss {info['train_loss']:.4f}"
            typer.echo(line, nl=False, err=True)

    result = prepare_and_run(  # prepares the data first: training itself never downloads
        config,
        data_dir=data_dir,
        mirror=mirror,
        on_event=lambda message: typer.echo(message, err=True),
        on_epoch=on_epoch,
    )
    replaced = is_complete(run_dir(results_dir, name, config.run_id))
    directory = store(results_dir, name, config, result)
    typer.echo("", err=True)
    typer.echo(
        f"status: {result.status}  epochs: {result.epochs}  best epoch: {result.best_epoch}  "
        f"median s/epoch: {result.timings.get('train_seconds_per_epoch', float('nan')):.3f}  "
        f"device: {result.device}"
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
    if result.status != "completed":
        raise typer.Exit(1)
