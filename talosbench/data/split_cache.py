"""A split's cache in its prepared folder: where it goes, reading it back (a damaged cache is built
again), writing it (the parquet last, as its completion marker), and the prepared interactions it is
built from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.data import store
from talosbench.data.errors import DataError
from talosbench.data.split import Split, split_defaults


def cache_paths(prepared: Path, scenario: str, seed: int, options: Mapping[str, Any]) -> tuple[Path, Path]:
    """``<scenario>-seed<seed>``, plus ``-<option>-<value>`` per split option off the scenario's default."""
    defaults = split_defaults(scenario)
    tail = "".join(f"-{k}-{v}" for k, v in sorted(options.items()) if v != defaults[k])
    base = prepared / "splits" / f"{scenario}-seed{seed}{tail}"
    return base.with_suffix(".parquet"), base.with_suffix(".json")


def read_cache(parquet: Path, diag_path: Path) -> tuple[list[pl.DataFrame], dict[str, Any]] | None:
    """The train, validation and test frames and diagnostics of a cached split; None (built again) when
    absent, damaged (cut short, edited) or an old cache of an unusable split."""
    if not (parquet.is_file() and diag_path.is_file()):
        return None
    try:
        frame = pl.read_parquet(parquet)
        diag = json.loads(diag_path.read_bytes())
        ids = frame.schema.get("user"), frame.schema.get("item")
        if (
            not isinstance(diag, dict)
            or "part" not in frame.columns
            or not all(k and k.is_integer() for k in ids)
        ):
            return None
        parts = [frame.filter(pl.col("part") == p).drop("part") for p in ("train", "valid", "test")]
    except (OSError, ValueError, pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return None
    return (parts, diag) if all(part.height for part in parts) else None


def read_interactions(prepared: Path, dataset: str) -> pl.DataFrame:
    """A prepared folder's interactions; a file that does not read is a DataError saying how to redo it."""
    path = prepared / store.INTERACTIONS
    try:
        frame = pl.read_parquet(path)
        if not all((kind := frame.schema.get(key)) and kind.is_integer() for key in ("user", "item")):
            raise ValueError("no integer user and item columns")
        return frame
    except (OSError, ValueError, pl.exceptions.PolarsError, pl.exceptions.PanicException) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataError(
            f"{path} cannot be read ({first}); prepare '{dataset}' again with "
            f"`talosbench download {dataset} --force`"
        ) from None


def write_cache(parquet: Path, diag_path: Path, split: Split) -> None:
    """Store ``split``'s parts in one parquet (a ``part`` column) and its diagnostics beside it."""
    frame = pl.concat(
        [
            p.with_columns(pl.lit(n).alias("part"))
            for n, p in (("train", split.train), ("valid", split.valid), ("test", split.test))
        ]
    )
    store.atomic_write_json(diag_path, split.diagnostics)
    store.atomic_write_parquet(parquet, frame)  # written last: the cache's completion marker
