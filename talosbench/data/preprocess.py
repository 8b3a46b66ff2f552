"""Preprocessing: dedupe (keep earliest), rating threshold and iterative k-core (either first), id remap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from talosbench.data.errors import DataError

# The option ``filter_order``: which of the two filters runs first (docs/protocol.md §6.3). The first is
# the default, and a dataset whose options leave it out uses it, so prepared data made before the option
# existed stays what it was. Only "rating-first" guarantees an exact k-core (the k-core runs last).
FILTER_ORDERS = ("rating-first", "k-core-first")
ORDER_KEY = "filter_order"


def filter_order(params: Mapping[str, Any]) -> str:
    """The ``filter_order`` of ``params`` (the default when unset); an unknown value is a DataError."""
    order = params.get(ORDER_KEY) or FILTER_ORDERS[0]
    if order not in FILTER_ORDERS:
        raise DataError(f"{ORDER_KEY} must be one of {', '.join(FILTER_ORDERS)}, got {order!r}.")
    return str(order)


@dataclass(frozen=True)
class Prepared:
    """A preprocessed dataset: interactions with contiguous Int64 ids plus the original-id maps."""

    interactions: (
        pl.DataFrame
    )  # user, item (Int64), rating (Float64, may be null), timestamp (Int64, may be null)
    user_map: pl.DataFrame  # id (Int64), original (Utf8)
    item_map: pl.DataFrame
    steps: list[dict[str, Any]]  # one record per step: name and the sizes after it


def stats(frame: pl.DataFrame) -> dict[str, Any]:
    """Users, items, interactions and density of a user/item frame."""
    users = frame["user"].n_unique() if frame.height else 0
    items = frame["item"].n_unique() if frame.height else 0
    density = frame.height / (users * items) if users and items else 0.0
    return {"users": users, "items": items, "interactions": frame.height, "density": density}


def dedupe(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep one row per (user, item): the earliest by timestamp, else the first in file order."""
    ordered = frame.with_row_index("_row").sort(["timestamp", "_row"], nulls_last=True)
    return ordered.unique(["user", "item"], keep="first", maintain_order=True).sort("_row").drop("_row")


def rating_filter(frame: pl.DataFrame, min_rating: float | None) -> pl.DataFrame:
    """Drop rows with a rating below ``min_rating``; rows without a rating are kept (implicit feedback)."""
    if min_rating is None:
        return frame
    return frame.filter(pl.col("rating").is_null() | (pl.col("rating") >= min_rating))


def k_core(frame: pl.DataFrame, k: int) -> tuple[pl.DataFrame, int]:
    """Iteratively drop users and items with fewer than ``k`` rows until stable; return (core, iterations).

    The fixed point is the largest subset in which every user and item has at least ``k`` rows: a row
    removed at any iteration cannot belong to any such subset, because its user or item had fewer than
    ``k`` rows even counting every row not yet removed.
    """
    iterations = 0
    while k > 1 and frame.height:
        kept = frame.filter((pl.len().over("user") >= k) & (pl.len().over("item") >= k))
        iterations += 1
        if kept.height == frame.height:
            break
        frame = kept
    return frame, iterations


def remap(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Map original ids to 0..n-1 (numeric order when all ids are integers, else lexicographic)."""
    maps = []
    for col in ("user", "item"):
        uniq = frame.select(pl.col(col).unique()).to_series()
        as_int = uniq.cast(pl.Int64, strict=False)
        key = as_int if as_int.null_count() == 0 else uniq
        order = pl.DataFrame({"original": uniq, "_key": key}).sort("_key")
        maps.append(order.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("id"), "original"))
    user_map, item_map = maps
    out = (
        frame.join(user_map.rename({"id": "_u", "original": "user"}), on="user", how="left")
        .join(item_map.rename({"id": "_i", "original": "item"}), on="item", how="left")
        .select(pl.col("_u").alias("user"), pl.col("_i").alias("item"), "rating", "timestamp")
        .sort(["user", "timestamp", "item"], nulls_last=True)
    )
    return out, user_map, item_map


def preprocess(raw: pl.DataFrame, params: Mapping[str, Any], *, name: str) -> Prepared:
    """Run every step in order, recording sizes; raise DataError naming the step that empties the data."""
    steps: list[dict[str, Any]] = [{"step": "read", **stats(raw)}]

    def record(step: str, frame: pl.DataFrame) -> None:
        steps.append({"step": step, **stats(frame)})
        if frame.height == 0 and step == "read":  # no filter ran: there is nothing to loosen
            raise DataError(
                f"'{name}' holds no interactions: its source has no data rows. Check that the input "
                "file holds rows of user, item[, rating, timestamp]."
            )
        if frame.height == 0:
            trail = " -> ".join(f"{s['step']}: {s['interactions']}" for s in steps)
            raise DataError(
                f"Preprocessing '{name}' left no interactions after step '{step}' ({trail}). "
                "Loosen the preprocessing (a lower k_core or min_rating in the suite's dataset options) "
                "or check that the input file holds the data you expect."
            )

    def by_rating(frame: pl.DataFrame) -> pl.DataFrame:
        min_rating = params.get("min_rating")
        if min_rating is not None:
            frame = rating_filter(frame, float(min_rating))
            record(f"rating>={min_rating:g}", frame)
        return frame

    def by_core(frame: pl.DataFrame) -> pl.DataFrame:
        k = int(params.get("k_core") or 0)
        if k > 1:
            frame, iterations = k_core(frame, k)
            record(f"{k}-core", frame)
            steps[-1]["iterations"] = iterations
        return frame

    filters = (by_rating, by_core) if filter_order(params) == "rating-first" else (by_core, by_rating)
    if raw.height == 0:
        record("read", raw)
    frame = dedupe(raw)
    record("dedupe", frame)
    for step in filters:
        frame = step(frame)
    interactions, user_map, item_map = remap(frame)
    return Prepared(interactions, user_map, item_map, steps)
