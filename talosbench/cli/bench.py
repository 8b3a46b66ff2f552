"""``talosbench bench``: seconds per epoch and per evaluation, stored for ``run --dry-run``."""

from __future__ import annotations

from pathlib import Path

import typer

from talosbench.cli.options import data_dir_option, threads_option


def bench(
    scale: str | None = typer.Option(
        None, help="Synthetic data of a dataset's size: beauty, gowalla or electronics (default beauty)."
    ),
    dataset: str | None = typer.Option(None, help="Measure on this dataset's iid split instead."),
    backbone: list[str] = typer.Option(["mf"], "--backbone", help="Backbone (repeatable)."),
    loss: list[str] = typer.Option(["talos", "sl", "bpr"], "--loss", help="Loss (repeatable)."),
    epochs: int = typer.Option(3, help="Timed epochs per pair (after one warm-up epoch)."),
    rounds: int = typer.Option(
        1,
        help="Measure the pairs round-robin this many times and pool the medians (steadier on "
        "a shared machine).",
    ),
    device: str = typer.Option("auto", help="auto, cpu, cuda or cuda:N."),
    threads: int | None = threads_option(),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    data_dir: Path | None = data_dir_option(),
) -> None:
    """Measure seconds per epoch, evaluation seconds and peak memory; store them for run --dry-run."""
    import json
    from dataclasses import asdict

    from tabulate import tabulate

    from talosbench.bench import BenchResult, format_rows, machine_load, run_bench
    from talosbench.device import resolve_device, torch_threads
    from talosbench.threads import thread_count

    resolved = resolve_device(device)
    if scale is None and dataset is None:
        scale = "beauty"
    load = machine_load()

    def progress(result: BenchResult) -> None:
        typer.echo(
            f"  {result.backbone} + {result.loss}: {result.train_seconds_per_epoch:.3f} s/epoch", err=True
        )

    with torch_threads(thread_count(threads)) as used_threads:
        results = run_bench(
            scale,
            dataset,
            backbone,
            loss,
            resolved,
            epochs=epochs,
            rounds=rounds,
            data_dir=data_dir,
            on_result=progress,
        )
    if json_out:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    headers, rows = format_rows(results)
    typer.echo(tabulate(rows, headers=headers))
    typer.echo(
        f"load average before / after: {load if load is not None else '-'} / "
        f"{results[-1].load if results and results[-1].load is not None else '-'}; "
        f"threads: {used_threads}"
    )
