"""``talosbench datasets``: the catalog and imported datasets, with statistics of those prepared."""

from __future__ import annotations

from pathlib import Path

import typer


def datasets(
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
) -> None:
    """List the dataset catalog (and imported datasets) with statistics of those already prepared."""
    from tabulate import tabulate

    from talosbench.data.catalog import CATALOG
    from talosbench.data.datasets import dataset_summary, imported_names
    from talosbench.data.store import data_home

    rows = []
    for name in CATALOG.names() + imported_names(data_home(data_dir)):
        info = dataset_summary(name, data_dir)
        entry, stats = info["entry"], info["stats"]
        cached = ["-", "-", "-", "-"]
        if stats:
            cached = [f"{stats[k]:,}" for k in ("users", "items", "interactions")]
            cached.append(f"{stats['density']:.3%}")
        rows.append([name, entry.source, entry.license, _format_prep(dict(entry.preprocess)), *cached])
    headers = ["name", "source", "license / terms", "preprocessing", "users", "items", "interactions"]
    typer.echo(tabulate(rows, headers=[*headers, "density"]))


def _format_prep(params: dict[str, object]) -> str:
    """``rating>=3, 10-core`` (the filters in the order they run) plus any generator parameters."""
    parts = [f"rating>={params['min_rating']:g}"] if params.get("min_rating") is not None else []
    parts += [f"{params['k_core']}-core"] if params.get("k_core") else []
    if params.get("filter_order") == "k-core-first":
        parts.reverse()
    parts += [f"{k}={v}" for k, v in params.items() if k not in ("min_rating", "k_core", "filter_order")]
    return ", ".join(parts) or "-"
