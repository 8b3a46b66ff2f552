"""``talosbench datasets``: the catalog and imported datasets, with statistics of those prepared.

The listing fits 100 columns (licence, citation and URL are in ``datasets NAME`` and ``--json``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from talosbench.cli.listing import echo_json, fit, paragraph
from talosbench.cli.options import completes, data_dir_option, dataset_names, json_option

STATS = ("users", "items", "interactions")


def datasets(
    name: str | None = typer.Argument(
        None,
        metavar="NAME",
        help="Show this dataset in full: source, terms, citation.",
        autocompletion=completes(dataset_names),
    ),
    data_dir: Path | None = data_dir_option(),
    json_out: bool = json_option("the datasets"),
) -> None:
    """List the dataset catalog (and imported datasets) with statistics of those already prepared."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.datasets import dataset_summary, imported_names
    from talosbench.data.store import data_home

    names = [name] if name is not None else CATALOG.names() + imported_names(data_home(data_dir))
    infos = {n: dataset_summary(n, data_dir) for n in names}  # an unknown name: did-you-mean, exit 2
    if json_out:
        items = [_as_json(n, info) for n, info in infos.items()]
        echo_json(items[0] if name is not None else items)
    elif name is not None:
        typer.echo(_detail(name, infos[name]))
    else:
        # Density, the generator's settings, terms and citation: in `datasets NAME` and --json.
        rows = [[n, info["entry"].source, _format_prep(dict(info["entry"].preprocess), filters_only=True),
                 *_stats(info["stats"])[:-1]] for n, info in infos.items()]  # fmt: skip
        typer.echo(fit(rows, ["name", "source", "filters", *STATS], flexible=[1, 2]))
        typer.echo("`talosbench datasets NAME` shows one in full (terms, citation, URL); --json prints "
                   "every field.", err=True)  # fmt: skip


def _stats(stats: dict[str, Any] | None) -> list[str]:
    """Users, items, interactions and density as printed, or ``-`` for a dataset not prepared yet."""
    if not stats:
        return ["-"] * (len(STATS) + 1)
    return [*(f"{stats[k]:,}" for k in STATS), f"{stats['density']:.3%}"]


def _as_json(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """Every catalog field, the statistics (null when not prepared) and the prepared folder."""
    entry = info["entry"]
    fields = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}  # echo_json converts them
    prepared = str(info["dir"]) if info["stats"] else None
    return {**fields, "name": name, "stats": info["stats"], "prepared": prepared}


def _detail(name: str, info: dict[str, Any]) -> str:
    """One dataset in full: what it is, where it comes from, its terms, preprocessing and statistics."""
    entry, stats = info["entry"], info["stats"]
    lines = [paragraph(f"dataset {name}: {entry.source}")]
    if entry.description:
        lines.append(paragraph(entry.description, indent="  "))
    rows = [
        ["url", entry.url or "-"],
        ["license / terms", entry.license],
        ["citation", entry.citation],
        ["raw format", entry.raw_format],
        ["sha256", entry.sha256 or ("recorded on first download" if entry.url else "-")],
        ["preprocessing", _format_prep(dict(entry.preprocess))],
    ]
    if stats:
        rows += [[k, v] for k, v in zip((*STATS, "density"), _stats(stats), strict=True)]
        rows.append(["prepared in", str(info["dir"])])
    else:
        rows.append(["prepared", f"not yet: `talosbench download {name}`"])
    return "\n".join([*lines, "", fit(rows, ["field", "value"], flexible=[1])])


def _format_prep(params: dict[str, object], filters_only: bool = False) -> str:
    """``rating>=3, 10-core`` (the filters in the order they run) plus, unless ``filters_only``, any
    generator parameters."""
    parts = [f"rating>={params['min_rating']:g}"] if params.get("min_rating") is not None else []
    parts += [f"{params['k_core']}-core"] if params.get("k_core") else []
    if params.get("filter_order") == "k-core-first":
        parts.reverse()
    if not filters_only:
        parts += [f"{k}={v}" for k, v in params.items() if k not in ("min_rating", "k_core", "filter_order")]
    return ", ".join(parts) or "-"
