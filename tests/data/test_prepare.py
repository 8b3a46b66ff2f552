"""Getting a dataset ready: prepared once and reused, prepared again when stale, never by training."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.data import store
from talosbench.data.errors import DataError
from talosbench.data.prepare import prepare_dataset, prepared_folder
from talosbench.data.scenarios import load_split
from talosbench.data.user_files import import_file

SMALL = {"n_users": 60, "n_items": 40, "n_interactions": 1500}  # a synthetic dataset made in milliseconds
CSV = "user,item\n" + "".join(f"u{u},i{i}\n" for u in range(6) for i in range(6))


def test_a_prepared_dataset_is_reused_and_force_prepares_it_again(tmp_path: Path) -> None:
    events: list[str] = []
    out = prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SMALL, on_event=events.append)
    assert events == [
        "generating synthetic (n_users=60, n_items=40, n_interactions=1500, seed=0)",
        "preprocessing synthetic",
    ]
    assert out.parent == tmp_path / "synthetic" and out.name.startswith("prep-")  # not the defaults' folder
    assert SMALL.items() <= store.read_meta(out)["preprocessing"].items()
    assert prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SMALL, on_event=events.append) == out
    assert len(events) == 2  # reused: nothing generated again
    prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SMALL, force=True, on_event=events.append)
    assert len(events) == 4


def test_prepared_folder_never_prepares_and_names_what_does(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"run `talosbench download synthetic --data-dir .*` first"):
        prepared_folder("synthetic", data_dir=tmp_path)
    with pytest.raises(DataError, match=r"not prepared with n_users=60, n_items=40, n_interactions=1500 in"):
        prepared_folder("synthetic", data_dir=tmp_path, preprocess=SMALL)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []  # nothing written
    out = prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SMALL)
    assert prepared_folder("synthetic", data_dir=tmp_path, preprocess=SMALL) == out


def test_a_failed_preparation_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="left no interactions after step '500-core'"):
        prepare_dataset("synthetic", data_dir=tmp_path, preprocess={**SMALL, "k_core": 500})
    assert not (tmp_path / "synthetic").exists()


def test_data_prepared_under_other_defaults_is_prepared_again_not_trusted(tmp_path: Path) -> None:
    # What a changed catalog default (amazon-beauty's filter order) leaves in the folder of the defaults.
    (tmp_path / "x.csv").write_text(CSV)
    home = tmp_path / "home"
    folder = import_file(tmp_path / "x.csv", "mine", data_dir=home)
    meta = store.read_meta(folder)
    store.atomic_write_json(folder / store.META, {**meta, "preprocessing": {"k_core": 3}})
    with pytest.raises(DataError, match="dataset 'mine' is not prepared in"):
        load_split("mine", "iid", 0, data_dir=home)  # training reads no stale data
    events: list[str] = []
    assert prepare_dataset("mine", data_dir=home, on_event=events.append) == folder
    assert events == ["reading x.csv"]  # prepared again from its raw copy
    assert store.read_meta(folder)["preprocessing"] == meta["preprocessing"]
    assert load_split("mine", "iid", 0, data_dir=home).n_users == 6
