"""``talosbench train``: one configuration with early stopping, its test metrics printed.

Its run settings are options generated from ``RunConfig`` (``cli/settings.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from talosbench.cli.choices import choices
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
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
) -> None:
    """Train one configuration with early stopping and print its test metrics."""
    from tabulate import tabulate

    from talosbench.cli.progress import TrainProgress
    from talosbench.config import RunConfig
    from talosbench.runner.execute import prepare_and_run

    config = RunConfig(
        **settings,
        loss_params=_parse_assignments(set_, "--set"),
        backbone_params=_parse_assignments(backbone_set, "--backbone-set"),
    )
    label = f"{config.dataset}/{config.scenario}/{config.backbone}/{config.loss} seed {config.seed}"
    with TrainProgress(label, config.valid_metric) as progress:  # live on a terminal, lines in a log
        result = prepare_and_run(  # prepares the data first: training itself never downloads
            config, data_dir=data_dir, mirror=mirror, on_event=progress.message, on_epoch=progress
        )
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
    if result.status != "completed":
        raise typer.Exit(1)
