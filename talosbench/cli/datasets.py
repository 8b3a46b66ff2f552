"""``talosbench datasets``: the catalog and imported datasets, with statistics of those prepared.

The listing fits 100 columns (licence, citation and URL are in ``datasets NAME`` and ``--json``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from talosbench.cli.listing import echo_json, fit, paragraph
from talosbench.cli.options import data_dir_option, dataset_names, json_option, name_argument

STATS = ("users", "items", "interactions")


def datasets(
    name: str | None = name_argument(
        "Show this dataset in full: source, checksums, terms, citation, recommended settings.", dataset_names
    ),
    data_dir: Path | None = data_dir_option(),
    json_out: bool = json_option("the datasets"),
) -> None:
    """List the dataset catalog (and imported datasets) with statistics of those already prepared."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.entries import imported_names
    from talosbench.data.store import data_home
    from talosbench.data.summary import dataset_summary

    if name is not None:
        infos = {name: dataset_summary(name, data_dir)}  # an unknown name: did-you-mean, exit 2
    else:
        infos = _readable(CATALOG.names() + imported_names(data_home(data_dir)), data_dir)
    if json_out:
        items = [_as_json(n, info) for n, info in infos.items()]
        echo_json(items[0] if name is not None else items)
    elif name is not None:
        typer.echo(_detail(name, infos[name], data_dir))
    else:
        # Density, the generator's settings, terms and citation: in `datasets NAME` and --json.
        rows = [
            [
                n,
                info["entry"].source,
                _format_prep(dict(info["entry"].preprocess), filters_only=True),
                *_stats(info["stats"])[:-1],
            ]
            for n, info in infos.items()
        ]
        typer.echo(fit(rows, ["name", "source", "filters", *STATS], flexible=[1, 2]))
        typer.echo(
            "`talosbench datasets NAME` shows one in full (terms, citation, URL); --json prints every field.",
            err=True,
        )


def _readable(names: list[str], data_dir: Path | None) -> dict[str, dict[str, Any]]:
    """The summary of every dataset in ``names`` that reads; any other folder is skipped with a note.

    The data home is the user's folder: a link leading out of it, a ``source.json`` that does not
    read or other junk there is not a dataset, and must not hide the ones that are.
    """
    from talosbench.data.errors import DamagedImportError
    from talosbench.data.store import data_home
    from talosbench.data.summary import dataset_summary
    from talosbench.errors import TalosbenchError

    infos = {}
    for name in names:
        try:
            infos[name] = dataset_summary(name, data_dir)
        except DamagedImportError as error:  # its message says how to import it again
            typer.echo(f"note: {error}", err=True)
        except (TalosbenchError, OSError, ValueError, KeyError, TypeError) as exc:
            reason = str(exc) if isinstance(exc, TalosbenchError) else f"{type(exc).__name__}: {exc}"
            typer.echo(
                f"note: skipped {data_home(data_dir) / name}, not a dataset talosbench can read ({reason}); "
                "remove it, or import the data again with `talosbench download --file PATH --name NAME`",
                err=True,
            )
    return infos


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


def _detail(name: str, info: dict[str, Any], data_dir: Path | None) -> str:
    """One dataset in full: what it is, where it comes from, what vouches for its bytes, its terms,
    preprocessing, statistics and the settings recommended to start from."""
    from talosbench.data.summary import source_checksums

    entry, stats = info["entry"], info["stats"]
    lines = [paragraph(f"dataset {name}: {entry.source}")]
    if entry.description:
        lines.append(paragraph(entry.description, indent="  "))
    rows = [["url", entry.url or "-"]] if not entry.split_files else []
    for split_file in entry.split_files:  # a ready-made split: each file pinned by its sha256
        rows += [[f"{split_file.part} file", split_file.url], ["sha256", f"{split_file.sha256} (pinned)"]]
    if entry.paper_dataset:
        rows.append(
            ["paper's dataset", f"{entry.paper_dataset}, scenario {entry.paper_scenario} (--vs-paper)"]
        )
    if entry.member:
        rows.append(["file", entry.member])
    sums = source_checksums(entry, data_dir)
    if sums["md5"]:
        served = f"; also read from {sums['md5_url']} at download" if sums["md5_url"] else ""
        rows.append(["md5", f"{sums['md5']} (the publisher's, pinned in the catalog{served})"])
    if sums["sha256"]:
        rows.append(["sha256", f"{sums['sha256']} ({sums['sha256_origin']})"])
    elif entry.url and not sums["md5"]:
        rows.append(["sha256", "recorded at the first download (no published checksum)"])
    rows += [
        ["license / terms", entry.license],
        ["citation", entry.citation or "-"],
        ["raw format", entry.raw_format],
        ["preprocessing", _format_prep(dict(entry.preprocess))],
    ]
    if stats:
        rows += [[k, v] for k, v in zip((*STATS, "density"), _stats(stats), strict=True)]
        rows.append(["prepared in", str(info["dir"])])
    else:
        rows.append(
            [
                "prepared",
                f"not yet: `talosbench download {name}`" if entry.url or entry.split_files else "not yet",
            ]
        )
    for i, rec in enumerate(entry.recommended):
        kind = "departs from the paper's protocol" if rec.departure else "within the paper's protocol"
        rows.append(["recommended" if i == 0 else "", f"{rec.setting}={rec.value} ({kind}: {rec.protocol})"])
    if not entry.recommended:
        rows.append(["recommended", "- (the run defaults, the paper's protocol)"])
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
