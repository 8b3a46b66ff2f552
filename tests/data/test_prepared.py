"""A prepared folder: trusted only when made with today's options, rewritten with meta.json last."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from talosbench.data import store
from talosbench.data.catalog import CATALOG
from talosbench.data.prepared import cleanup_on_failure, is_current, prepared_meta, write_prepared
from talosbench.data.preprocess import Prepared

PARAMS = {"min_rating": None, "k_core": 2}


def _prepared() -> Prepared:
    interactions = pl.DataFrame({"user": [0, 0, 1], "item": [0, 1, 1]})
    user_map = pl.DataFrame({"original": ["a", "b"], "id": [0, 1]})
    item_map = pl.DataFrame({"original": ["x", "y"], "id": [0, 1]})
    return Prepared(interactions, user_map, item_map, [{"step": "read", "rows": 3}])


def _write(home: Path, out: Path, params: dict[str, object]) -> None:
    prepared = _prepared()
    out.mkdir(parents=True, exist_ok=True)
    meta = prepared_meta(
        CATALOG.get("synthetic"), params, prepared, {"url": None, "sha256": None, "file": None}
    )
    write_prepared(home, out, prepared, meta)


def test_a_folder_is_current_only_when_prepared_with_these_options(tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    assert not is_current(out, PARAMS)
    _write(tmp_path, out, PARAMS)
    assert is_current(out, PARAMS)
    assert is_current(out, {**PARAMS, "filter_order": "rating-first"})  # the implicit default, spelt out
    assert not is_current(out, {**PARAMS, "filter_order": "k-core-first"})
    assert not is_current(out, {**PARAMS, "k_core": 3})


def test_writing_replaces_the_data_drops_stale_splits_and_records_where_it_came_from(tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    (out / "splits").mkdir(parents=True)
    (out / "splits" / "iid-seed0.parquet").write_bytes(b"old")
    _write(tmp_path, out, PARAMS)
    assert sorted(p.name for p in out.iterdir()) == [
        "interactions.parquet",
        "item_map.parquet",
        "meta.json",
        "user_map.parquet",
    ]
    meta = store.read_meta(out)
    assert meta["name"] == "synthetic" and meta["kind"] == "interactions"
    assert meta["preprocessing"] == PARAMS and meta["steps"] == [{"step": "read", "rows": 3}]
    assert (meta["stats"]["users"], meta["stats"]["items"], meta["stats"]["interactions"]) == (2, 2, 3)


def test_a_failed_block_removes_only_what_it_created(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    new = tmp_path / "new"
    with pytest.raises(RuntimeError), cleanup_on_failure(tmp_path, kept), cleanup_on_failure(tmp_path, new):
        new.mkdir()
        (kept / "partial").write_text("x")
        raise RuntimeError("failed half-way")
    assert not new.exists() and kept.is_dir()
    with cleanup_on_failure(tmp_path, new):
        new.mkdir()
    assert new.is_dir()  # a block that succeeds keeps what it made
