"""``talosbench datasets``: the catalog and imported datasets, with statistics of those prepared."""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer

WIDTH = 100
"""Columns the one-dataset view fits in."""


def datasets(
    name: str | None = typer.Argument(None, help="Show one dataset in full (checksums, recommendations)."),
    data_dir: Path | None = typer.Option(None, help="Data directory (default $TALOSBENCH_HOME or cache)."),
) -> None:
    """List the dataset catalog (and imported datasets) with statistics of those already prepared."""
    from tabulate import tabulate

    if name is not None:
        for line in _describe(name, data_dir):
            typer.echo(line)
        return

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


def _describe(name: str, data_dir: Path | None) -> list[str]:
    """One dataset in full: where it comes from, what vouches for it, how it is prepared, how to start."""
    from talosbench.data.datasets import dataset_summary, source_checksums

    info = dataset_summary(name, data_dir)
    entry, stats = info["entry"], info["stats"]
    sums = source_checksums(entry, data_dir)
    rows = [("source", entry.source), ("url", entry.url or "-")]
    if entry.member:
        rows.append(("file", entry.member))
    if sums["md5"]:
        served = f"; also read from {sums['md5_url']} at download" if sums["md5_url"] else ""
        rows.append(("md5", f"{sums['md5']} (the publisher's, pinned in the catalog{served})"))
    if sums["sha256"]:
        rows.append(("sha256", f"{sums['sha256']} ({sums['sha256_origin']})"))
    elif entry.url and not sums["md5"]:
        rows.append(("sha256", "recorded at the first download (no published checksum)"))
    rows += [("license", entry.license), ("citation", entry.citation or "-")]
    rows.append(("preprocessing", _format_prep(dict(entry.preprocess))))
    if stats:
        counts = f"{stats['users']:,} users, {stats['items']:,} items, {stats['interactions']:,} interactions"
        rows.append(("prepared", f"{counts}, density {stats['density']:.3%}"))
    else:
        rows.append(("prepared", f"no (`talosbench download {name}`)" if entry.url else "no"))
    recommended = entry.recommended
    if recommended:
        for i, rec in enumerate(recommended):
            kind = "departs from the paper's protocol" if rec.departure else "within the paper's protocol"
            label = "recommended" if i == 0 else ""
            rows.append((label, f"{rec.setting}={rec.value} ({kind}: {rec.protocol})"))
    else:
        rows.append(("recommended", "- (the run defaults, the paper's protocol)"))
    width = max(len(label) for label, _ in rows)
    lines = [name]
    for label, text in rows:  # wrapped to 100 columns, continuation lines under the text
        wrapped = textwrap.wrap(text, WIDTH - width - 4, break_on_hyphens=False) or ["-"]
        lines.append(f"  {label:<{width}}  {wrapped[0]}")
        lines += [" " * (width + 4) + more for more in wrapped[1:]]
    return lines
