"""Preparing an imported dataset: a table goes through the pipeline, ready-made splits keep their parts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from talosbench.data import store
from talosbench.data.imported import remap_pairs
from talosbench.data.user_files import import_file


def test_ready_made_splits_keep_their_parts_and_drop_cross_part_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    (folder / "train.csv").write_text("user,item\nu1,i1\nu1,i2\nu2,i1\nu2,i1\n")  # one repeated pair
    (folder / "valid.csv").write_text("user,item\nu1,i2\nu2,i3\n")  # (u1, i2) is in train already
    (folder / "test.csv").write_text("user,item\nu2,i3\nu3,i1\n")  # (u2, i3) is in valid already
    out = import_file(folder, "given", data_dir=tmp_path / "home")
    frame = pl.read_parquet(out / store.INTERACTIONS)
    users = dict(pl.read_parquet(out / "user_map.parquet").select("original", "id").iter_rows())
    items = dict(pl.read_parquet(out / "item_map.parquet").select("original", "id").iter_rows())
    parts = {(u, i): part for u, i, part in frame.select("user", "item", "part").iter_rows()}
    named = {("u1", "i1"): "train", ("u1", "i2"): "train", ("u2", "i1"): "train"}
    named |= {("u2", "i3"): "valid", ("u3", "i1"): "test"}
    assert parts == {(users[u], items[i]): part for (u, i), part in named.items()}
    meta = store.read_meta(out)
    assert meta["kind"] == "splits" and meta["preprocessing"] == {"min_rating": None, "k_core": 0}
    assert meta["steps"][1] == {"step": "cross-part duplicates dropped", "rows": 2}


def test_an_imported_table_goes_through_the_preprocessing(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("user,item,rating\nu1,i1,5\nu1,i1,4\nu2,i2,1\n")
    out = import_file(tmp_path / "x.csv", "mine", data_dir=tmp_path / "home")
    meta = store.read_meta(out)
    assert meta["kind"] == "interactions" and meta["source"]["file"] == str((tmp_path / "x.csv").resolve())
    assert [step["step"] for step in meta["steps"]][:2] == ["read", "dedupe"]
    assert pl.read_parquet(out / store.INTERACTIONS).height == 2


def test_remap_pairs_replaces_original_names_by_ids() -> None:
    pairs = pl.DataFrame({"user": ["b", "a"], "item": ["y", "x"], "part": ["train", "test"]})
    user_map = pl.DataFrame({"original": ["a", "b"], "id": [0, 1]})
    item_map = pl.DataFrame({"original": ["x", "y"], "id": [0, 1]})
    remapped = remap_pairs(pairs, user_map, item_map)
    assert sorted(remapped.select("user", "item", "part").iter_rows()) == [(0, 0, "test"), (1, 1, "train")]


def test_an_import_with_cold_validation_or_test_rows_warns_once_with_the_counts(tmp_path: Path) -> None:
    folder = tmp_path / "cold"
    folder.mkdir()
    (folder / "train.csv").write_text("user,item\nu1,i1\nu1,i2\nu2,i1\nu2,i2\n")
    (folder / "valid.csv").write_text("user,item\nu1,i3\nu2,i1x\n")  # two items never trained on
    (folder / "test.csv").write_text("user,item\nu3,i1\nu4,i9\nu1,i1x\nu2,i3\n")  # u3, u4; i9, i1x, i3
    events: list[str] = []
    out = import_file(folder, "cold", data_dir=tmp_path / "home", on_event=events.append)
    warnings = [e for e in events if e.startswith("warning:")]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "valid: 0 of 2 users, 2 of 2 items, 2 of 2 rows" in warnings[0]
    assert "test: 2 of 4 users, 3 of 4 items, 4 of 4 rows" in warnings[0]
    step = store.read_meta(out)["steps"][2]
    assert step["step"] == "absent from train" and step["test"]["cold_users"] == 2
    # A folder whose parts share every user and item imports without a warning.
    (folder / "train.csv").write_text("user,item\nu1,i1\nu1,i2\nu2,i1\nu3,i2\n")
    (folder / "valid.csv").write_text("user,item\nu3,i1\n")
    (folder / "test.csv").write_text("user,item\nu2,i2\n")
    events.clear()
    import_file(folder, "warm", data_dir=tmp_path / "home", on_event=events.append)
    assert not [e for e in events if e.startswith("warning:")]
