"""The ``talosbench`` command line: a thin Typer shell over the library; the only module that prints."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench import __version__

app = typer.Typer(
    name="talosbench",
    help="Benchmark recommender-system training losses for Top-K accuracy, shift robustness and cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"talosbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """talosbench: which loss gives my backbone the best Top-K accuracy, at what cost?"""


# --- training engine: losses, backbones, train -------------------------------------------------


def _parse_assignments(pairs: list[str], option: str) -> dict[str, object]:
    """``KEY=VALUE`` pairs with TOML-typed values (``0.1`` is a float, ``true`` a bool)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

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


def _schema_rows(components: dict[str, type]) -> list[list[str]]:
    rows = []
    for name, cls in components.items():
        params = getattr(cls, "hparams", ())
        if not params:
            rows.append([name, "-", "", "", (cls.__doc__ or "").strip().splitlines()[0]])
        for i, p in enumerate(params):
            doc = (cls.__doc__ or "").strip().splitlines()[0] if i == 0 else ""
            space = ", ".join(map(str, p.space)) if p.space else ""
            rows.append([name if i == 0 else "", p.name, repr(p.default), space, p.help or doc])
    return rows


@app.command()
def losses() -> None:
    """List every loss with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.losses import LOSSES

    rows = _schema_rows({name: LOSSES.get(name) for name in LOSSES.names()})
    typer.echo(tabulate(rows, headers=["loss", "parameter", "default", "paper search space", "help"]))


@app.command()
def backbones() -> None:
    """List every backbone with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.models import BACKBONES

    rows = _schema_rows({name: BACKBONES.get(name) for name in BACKBONES.names()})
    typer.echo(tabulate(rows, headers=["backbone", "parameter", "default", "paper search space", "help"]))


@app.command()
def train(
    dataset: str = typer.Option("synthetic", help="Dataset name (see `talosbench datasets`)."),
    scenario: str = typer.Option("iid", help="Shift scenario: iid, temporal, popularity, given."),
    backbone: str = typer.Option("mf", help="Backbone (see `talosbench backbones`)."),
    loss: str = typer.Option("talos", help="Loss (see `talosbench losses`)."),
    set_: list[str] = typer.Option([], "--set", help="Loss hyper-parameter KEY=VALUE (repeatable)."),
    backbone_set: list[str] = typer.Option([], "--backbone-set", help="Backbone hyper-parameter KEY=VALUE."),
    seed: int = typer.Option(2024, help="Run seed (every random generator derives from it)."),
    split_seed: int = typer.Option(2024, help="Seed of the train/validation/test split."),
    lr: float = typer.Option(1e-3, help="Adam learning rate."),
    weight_decay: float = typer.Option(0.0, help="Coupled L2 weight decay."),
    epochs: int = typer.Option(200, help="Epoch cap (early stopping usually ends sooner)."),
    batch_size: int = typer.Option(1024, help="Training rows per batch."),
    negatives: int | None = typer.Option(
        None, help="Negatives per row (default: the loss's, 1024 or BPR 1)."
    ),
    eval_every: int = typer.Option(5, help="Validate every N epochs."),
    patience: int = typer.Option(5, help="Validations without improvement before stopping."),
    k: list[int] = typer.Option([20], "--k", help="Metric cut-off (repeatable)."),
    valid_metric: str = typer.Option("precision@20", help="Validation metric for early stopping."),
    device: str = typer.Option("auto", help="auto, cpu, cuda or cuda:N."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
) -> None:
    """Train one configuration with early stopping and print its test metrics."""
    from tabulate import tabulate

    from talosbench.train.config import RunConfig
    from talosbench.train.run import run_config

    config = RunConfig(
        dataset=dataset,
        scenario=scenario,
        backbone=backbone,
        loss=loss,
        seed=seed,
        split_seed=split_seed,
        loss_params=_parse_assignments(set_, "--set"),
        backbone_params=_parse_assignments(backbone_set, "--backbone-set"),
        lr=lr,
        weight_decay=weight_decay,
        epochs=epochs,
        batch_size=batch_size,
        negatives=negatives,
        eval_every=eval_every,
        patience=patience,
        ks=tuple(k),
        valid_metric=valid_metric,
        device=device,
    )

    def on_epoch(info: dict) -> None:
        if info.get("valid") is not None:
            value = info["valid"].get(valid_metric, float("nan"))
            line = f"\r  epoch {info['epoch']:>4}: valid {valid_metric} = {value:.4f}"
            typer.echo(line + " " * 20, err=True)
        else:
            done = int(30 * info["epoch"] / max(info["epochs"], 1))
            bar = "#" * done + "." * (30 - done)
            line = f"\r  [{bar}] epoch {info['epoch']}/{info['epochs']} loss {info['train_loss']:.4f}"
            typer.echo(line, nl=False, err=True)

    try:
        result = run_config(
            config,
            data_dir=data_dir,
            mirror=mirror,
            on_event=lambda message: typer.echo(message, err=True),
            on_epoch=on_epoch,
        )
    except (KeyError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
    if result.status != "completed":
        raise typer.Exit(1)



if __name__ == "__main__":
    app()
