"""``talosbench evaluate``: score a stored run's saved weights again and compare with its stored metrics."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.options import data_dir_option, results_dir_option


def evaluate(
    run: str = typer.Argument(
        ..., metavar="RUN", help="Run folder, or a run id (or SUITE/RUN_ID) under --results-dir."
    ),
    results_dir: Path = results_dir_option("Results root a run id is looked up in: <dir>/<suite>/<run-id>/."),
    data_dir: Path | None = data_dir_option(),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N (default: the run's own)."),
    mirror: str | None = typer.Option(
        None, envvar="TALOSBENCH_MIRROR", help="Mirror base URL for downloads."
    ),
) -> None:
    """Score the weights a run saved with --save-model on its split; exit 1 if they differ from the stored."""
    from tabulate import tabulate

    from talosbench.results import find_run
    from talosbench.runner.single import evaluate_run

    directory = find_run(results_dir, run)
    typer.echo(f"evaluating {directory}", err=True)
    evaluation = evaluate_run(
        directory,
        data_dir=data_dir,
        device=device,
        mirror=mirror,
        on_event=lambda message: typer.echo(message, err=True),
    )
    differ = {(group, name) for group, name, _, _ in evaluation.differences()}
    rows = [
        [
            f"{group} {name}" if group != "thresholds" else f"test {name}",
            _value(stored),
            _value(now),
            "differs" if (group, name) in differ else "same",
        ]
        for group, name, stored, now in sorted(evaluation.rows(), key=_order)
    ]
    typer.echo(tabulate(rows, headers=["metric", "stored", "now", ""], disable_numparse=True))
    if differ:
        typer.echo(
            f"{len(differ)} of {len(rows)} metrics differ from the stored ones: the data, the device or the "
            "code changed since the run was trained",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"all {len(rows)} metrics equal the stored ones", err=True)


def _value(value: float | None) -> str:
    """A metric with every digit a difference could hide in; '-' where one side lacks it."""
    return "-" if value is None else f"{value:.6f}"


def _order(row: tuple[str, str, float | None, float | None]) -> tuple[int, tuple[int, str, int]]:
    """Test metrics, then threshold diagnostics, then validation; metrics in the report's order."""
    from talosbench.results import metric_sort_key

    return ("test", "thresholds", "valid").index(row[0]), metric_sort_key(row[1])
