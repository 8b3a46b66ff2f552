"""A prepared folder's files: written with ``meta.json`` last, trusted only when made with today's options."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from talosbench import __version__
from talosbench.data import store
from talosbench.data.catalog import DatasetEntry
from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY, Prepared, stats


def is_current(out: Path, params: Mapping[str, Any]) -> bool:
    """True when ``out`` is prepared, and with ``params``.

    A catalog default may change (amazon-beauty's filter order did): the folder of the defaults then
    holds data made with the old ones, which is prepared again rather than trusted.
    """
    if not store.is_prepared(out):
        return False
    try:
        meta = store.read_meta(out)
    except (OSError, ValueError):  # being rewritten by another process right now, or damaged
        return False
    if not _has_sizes(meta):  # damaged (cut short, edited): prepared again, as if absent
        return False
    recorded = meta.get("preprocessing")
    return recorded is None or _comparable(recorded) == _comparable(params)


def _has_sizes(meta: Any) -> bool:
    """Whether ``meta`` is a meta.json a preparation writes, as far as a split reads it (its sizes)."""
    stats = meta.get("stats") if isinstance(meta, dict) else None
    return isinstance(stats, dict) and all(
        isinstance(stats.get(key), int) and not isinstance(stats.get(key), bool) and stats[key] >= 0
        for key in ("users", "items")
    )


def _comparable(params: Mapping[str, Any]) -> Any:
    """``params`` as meta.json records them, the implicit default filter order left out."""
    plain = {k: v for k, v in params.items() if not (k == ORDER_KEY and v == FILTER_ORDERS[0])}
    return json.loads(json.dumps(plain, sort_keys=True, default=str))


def write_prepared(home: Path, out: Path, prepared: Prepared, meta: dict[str, Any]) -> None:
    """Replace a prepared folder's files; meta.json goes last so a partial write is never trusted."""
    (out / store.META).unlink(missing_ok=True)
    store.remove_tree(home, out / "splits", ignore_errors=True)  # splits of the old data are stale
    store.atomic_write_parquet(out / store.INTERACTIONS, prepared.interactions)
    store.atomic_write_parquet(out / "user_map.parquet", prepared.user_map)
    store.atomic_write_parquet(out / "item_map.parquet", prepared.item_map)
    store.atomic_write_json(out / store.META, meta)


def prepared_meta(
    entry: DatasetEntry,
    params: Mapping[str, Any],
    prepared: Prepared,
    source: dict[str, Any],
    kind: str = "interactions",
) -> dict[str, Any]:
    """The ``meta.json`` of prepared data: where it came from, how it was prepared, its statistics."""
    return {
        "name": entry.name,
        "kind": kind,
        "source": {"description": entry.source, **source},
        "license": entry.license,
        "citation": entry.citation,
        "preprocessing": dict(params),
        "steps": prepared.steps,
        "stats": stats(prepared.interactions),
        "talosbench_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


@contextmanager
def cleanup_on_failure(home: Path, path: Path) -> Iterator[None]:
    """Remove ``path`` if it did not exist before and the block fails: a failure leaves nothing behind."""
    existed = path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            store.remove_tree(home, path, ignore_errors=True)
        raise
