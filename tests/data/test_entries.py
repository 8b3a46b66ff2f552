"""Which dataset a name means, and which options it takes: catalog entries, imports, unknown names."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from talosbench.data.catalog import CATALOG
from talosbench.data.entries import get_entry, imported_names, resolve_params
from talosbench.data.errors import BadNameError, DataError, UnknownDatasetError
from talosbench.data.user_files import import_file


def _import(tmp_path: Path, name: str = "mine") -> Path:
    (tmp_path / "x.csv").write_text("user,item\n" + "".join(f"u{u},i{u % 3}\n" for u in range(9)))
    home = tmp_path / "home"
    import_file(tmp_path / "x.csv", name, data_dir=home)
    return home


def test_a_catalog_name_is_its_entry_and_an_import_its_recorded_one(tmp_path: Path) -> None:
    assert get_entry("movielens-100k", tmp_path) is CATALOG.get("movielens-100k")
    home = _import(tmp_path)
    entry = get_entry("mine", home)
    assert entry.raw_format == "table" and entry.url is None and entry.license == "(your own data)"
    assert entry.source == f"imported from {(tmp_path / 'x.csv').resolve()}"
    assert dict(entry.preprocess) == {"min_rating": None, "k_core": 0}


def test_an_unknown_name_suggests_the_closest_and_lists_every_choice(tmp_path: Path) -> None:
    home = _import(tmp_path)
    with pytest.raises(
        UnknownDatasetError, match=re.escape("unknown dataset 'mie'. Did you mean 'mine'?")
    ) as info:
        get_entry("mie", home)
    assert "movielens-100k, " in str(info.value) and "download --file PATH --name NAME" in str(info.value)
    with pytest.raises(BadNameError):
        get_entry("../mine", home)  # not one plain folder name: refused before anything is read


def test_imported_names_skip_folders_whose_name_is_not_plain(tmp_path: Path) -> None:
    assert imported_names(tmp_path / "absent") == []
    home = _import(tmp_path)
    shutil.copytree(home / "mine", home / "my data")
    assert imported_names(home) == ["mine"]


def test_options_override_the_defaults_and_unknown_ones_name_the_valid(tmp_path: Path) -> None:
    movielens = CATALOG.get("movielens-100k")
    assert resolve_params(movielens, {"k_core": 5}) == {**movielens.preprocess, "k_core": 5}
    with pytest.raises(
        DataError, match=r"unknown preprocessing option 'n_users' .* filter_order, k_core, min_"
    ):
        resolve_params(movielens, {"n_users": 10})
    synthetic = CATALOG.get("synthetic")
    assert resolve_params(synthetic, {"n_users": 10})["n_users"] == 10


def test_split_options_are_checked_and_left_out(tmp_path: Path) -> None:
    movielens = CATALOG.get("movielens-100k")
    assert resolve_params(movielens, {"cold": "keep"}) == dict(movielens.preprocess)
    with pytest.raises(
        DataError, match="split option 'cold' of dataset 'movielens-100k' must be one of drop"
    ):
        resolve_params(movielens, {"cold": "maybe"})


def test_ready_made_splits_take_no_preprocessing_option(tmp_path: Path) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    for part in ("train", "test"):
        (folder / f"{part}.csv").write_text("user,item\n" + "".join(f"u{u},i{u}\n" for u in range(4)))
    import_file(folder, "given", data_dir=tmp_path / "home")
    entry = get_entry("given", tmp_path / "home")
    with pytest.raises(DataError, match=r"valid options: none \(ready-made splits are used unchanged\)"):
        resolve_params(entry, {"k_core": 2})
