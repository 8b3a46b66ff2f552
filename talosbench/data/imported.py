"""Preparing a dataset imported with ``download --file`` from its copy under ``raw/``: a table or splits."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.data import store
from talosbench.data.catalog import DatasetEntry
from talosbench.data.cold import drop_cold, unseen_counts
from talosbench.data.download import EventFn
from talosbench.data.errors import DataError
from talosbench.data.prepared import prepared_meta, write_prepared
from talosbench.data.preprocess import Prepared, preprocess, remap, stats
from talosbench.data.user_table import read_any, read_table

SPLIT_PARTS = ("train", "valid", "test")


def prepare_imported(
    entry: DatasetEntry,
    home: Path,
    out: Path,
    params: Mapping[str, Any],
    event: EventFn,
    source: Mapping[str, Any] | None = None,
) -> Path:
    """Prepare a dataset imported with ``download --file`` from its copy under ``raw/``.

    A catalog dataset fetched as a ready-made split passes its ``files`` in ``entry.extra`` and its
    ``source`` (URLs and checksums) for the prepared folder's meta.json.
    """
    info = entry.extra
    raw = store.raw_dir(home, entry.name)
    source = dict(source) if source else {"url": None, "sha256": info["sha256"], "file": info["original"]}
    out.mkdir(parents=True, exist_ok=True)
    if entry.raw_format == "table":
        event(f"reading {info['files']['data']}")
        frame = read_table(
            raw / info["files"]["data"],
            sep=info.get("sep"),
            columns=info.get("columns"),
            label=info["original"],
        )
        prepared = preprocess(frame, params, name=entry.name)
        write_prepared(home, out, prepared, prepared_meta(entry, params, prepared, source))
        return out
    parts = []
    for part, fname in info["files"].items():
        event(f"reading {fname}")
        # the user's own file by its name; a catalog dataset's fetched copy by its place in the data home
        label = str(Path(info["original"]) / fname) if "original" in info else str(raw / fname)
        frame = read_any(raw / fname, sep=info.get("sep"), columns=info.get("columns"), label=label)
        ordered = frame.with_row_index("_row").sort(["timestamp", "_row"], nulls_last=True)
        parts.append(
            ordered.unique(["user", "item"], keep="first", maintain_order=True)
            .drop("_row")
            .with_columns(pl.lit(part).alias("part"))
        )
    joined = pl.concat(parts)
    # A pair in train and in valid/test would leak; keep its earliest part (train < valid < test).
    rank = {p: i for i, p in enumerate(SPLIT_PARTS)}
    joined = joined.with_columns(pl.col("part").replace_strict(rank).alias("_p")).sort("_p")
    deduped = joined.unique(["user", "item"], keep="first", maintain_order=True)
    overlap = joined.height - deduped.height
    interactions, user_map, item_map = remap(deduped.drop("part"))
    part_of = deduped.select("user", "item", "part")
    interactions = (
        remap_pairs(part_of, user_map, item_map)
        .join(interactions, on=["user", "item"], how="left")
        .select("user", "item", "rating", "timestamp", "part")
        .sort(["user", "item"])
    )
    if interactions.filter(pl.col("part") == "train").height == 0:
        raise DataError(
            f"the ready-made split '{entry.name}' has an empty train file; it needs train and test."
        )
    steps = [{"step": "read", **stats(joined)}, {"step": "cross-part duplicates dropped", "rows": overlap}]
    cold = cold_parts(interactions)
    if any(counts["cold_rows"] for counts in cold.values()):  # a cold user or item has a cold row
        event(cold_warning(entry.name, cold))
    steps.append({"step": "absent from train", **cold})
    prepared = Prepared(interactions, user_map, item_map, steps)
    write_prepared(home, out, prepared, prepared_meta(entry, params, prepared, source, kind="splits"))
    return out


def remap_pairs(frame: pl.DataFrame, user_map: pl.DataFrame, item_map: pl.DataFrame) -> pl.DataFrame:
    """Replace original user/item strings in ``frame`` with their contiguous ids."""
    return (
        frame.join(user_map.rename({"original": "user", "id": "_u"}), on="user")
        .join(item_map.rename({"original": "item", "id": "_i"}), on="item")
        .drop("user", "item")
        .rename({"_u": "user", "_i": "item"})
    )


def cold_parts(interactions: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Per part after train: its users, items and rows, and how many of each never occur in training."""
    by_part = {p: interactions.filter(pl.col("part") == p).drop("part") for p in SPLIT_PARTS}
    train, others = by_part.pop("train"), {p: f for p, f in by_part.items() if f.height}
    unseen = unseen_counts(train, others)
    return {
        part: {
            "users": frame["user"].n_unique(),
            "cold_users": unseen["cold_users"][part],
            "items": frame["item"].n_unique(),
            "cold_items": unseen["cold_items"][part],
            "rows": frame.height,
            "cold_rows": drop_cold(frame, train)[1],
        }
        for part, frame in others.items()
    }


def cold_warning(name: str, cold: dict[str, dict[str, int]]) -> str:
    """One line: per part, its users, items and rows that training never saw, and what becomes of them."""
    parts = "; ".join(
        f"{part}: {c['cold_users']} of {c['users']} users, {c['cold_items']} of {c['items']} items, "
        f"{c['cold_rows']} of {c['rows']} rows"
        for part, c in cold.items()
    )
    return (
        f"warning: '{name}' has validation/test users or items absent from training ({parts}); "
        f'scenario given keeps and evaluates those rows (cold = "drop" in [datasets.{name}] removes '
        "them) and the report marks results where most test rows are cold"
    )


def check_union(whole: Path, parts: list[Path]) -> None:
    """Refuse ``whole`` unless its pairs are exactly those of ``parts`` (the reference's train.txt is
    train_data.txt plus valid_data.txt): a split whose files disagree is not the one published."""
    pairs = [read_any(p).select("user", "item").unique() for p in parts]
    expected = pl.concat(pairs).unique().sort(["user", "item"])
    actual = read_any(whole).select("user", "item").unique().sort(["user", "item"])
    if not actual.equals(expected):
        raise DataError(
            f"{whole} does not hold exactly the pairs of {', '.join(p.name for p in parts)} "
            f"({actual.height:,} vs {expected.height:,} distinct pairs): the split's files disagree. "
            "Fetch them again with --force, or from another --mirror."
        )
