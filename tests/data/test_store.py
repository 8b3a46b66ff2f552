"""Dataset names are plain folder names, nothing written leaves the data home, and writes are atomic."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.bench import save_results
from talosbench.cli import app
from talosbench.data import store
from talosbench.data.entries import get_entry
from talosbench.data.errors import BadNameError, DataError, OutsideHomeError
from talosbench.data.prepare import prepare_dataset
from talosbench.data.scenarios import load_split, prepare_split
from talosbench.data.summary import dataset_summary
from talosbench.data.user_files import import_file

from .conftest import Mirror

runner = CliRunner()
HOSTILE = ["../victim", "", "..", ".", "a/b", "/abs/path", "a\\b", ".hidden", "x" * 300]
HOME_OK = ("mkdir",)  # operations that may name the home itself: creating it
CSV = "user,item\n" + "".join(f"u{u},i{i}\n" for u in range(6) for i in range(6))


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A data home holding one unrelated file, a sibling folder beside it, and a CSV to import."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "other.txt").write_text("keep\n")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "precious.txt").write_text("keep\n")
    (tmp_path / "x.csv").write_text(CSV)
    return tmp_path


def _id(name: str) -> str:
    return f"{len(name)}-chars" if len(name) > 40 else repr(name)


@pytest.mark.parametrize("name", [*HOSTILE, "ABS"], ids=_id)
def test_import_with_a_hostile_name_touches_nothing(layout: Path, name: str) -> None:
    # Issue 11 case 1: `--name ../victim --force` deleted the sibling, `--name "" --force` the home itself.
    name = str(layout / "abs") if name == "ABS" else name
    before = _snapshot(layout)
    args = ["download", "--file", str(layout / "x.csv"), "--name", name, "--force"]
    result = runner.invoke(app, [*args, "--data-dir", str(layout / "home")])
    assert result.exit_code == 2, result.output
    assert "dataset name" in result.output and "Traceback" not in result.output
    assert _snapshot(layout) == before


@pytest.mark.parametrize("name", HOSTILE, ids=_id)
def test_every_path_builder_and_entry_point_checks_the_name(tmp_path: Path, name: str) -> None:
    home = tmp_path / "home"
    builders: list[Callable[[], Any]] = [
        lambda: store.dataset_dir(home, name),
        lambda: store.raw_dir(home, name),
        lambda: store.lock_path(home, name),
        lambda: store.prepared_dir(home, name, {"k_core": 1}, {"k_core": 1}),
        lambda: store.prepared_dir(home, name, {"k_core": 2}, {"k_core": 1}),
        lambda: get_entry(name, home),
        lambda: prepare_dataset(name, data_dir=home),
        lambda: dataset_summary(name, home),
        lambda: load_split(name, "iid", 0, data_dir=home),
        lambda: prepare_split(name, "iid", 0, data_dir=home),
        lambda: import_file(tmp_path / "x.csv", name, data_dir=home, force=True),
    ]
    for build in builders:
        with pytest.raises(BadNameError, match="dataset name"):
            build()
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_train_with_a_hostile_dataset_name_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--dataset", "../x", "--data-dir", str(tmp_path / "home")])
    assert result.exit_code == 2 and "dataset name" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_link_out_of_the_home_is_refused_not_followed(layout: Path) -> None:
    home = layout / "home"
    (home / "mine").symlink_to(layout / "victim", target_is_directory=True)
    before = _snapshot(layout / "victim")
    args = ["download", "--file", str(layout / "x.csv"), "--name", "mine", "--force"]
    result = runner.invoke(app, [*args, "--data-dir", str(home)])
    assert result.exit_code == 1 and "outside the data home" in result.output, result.output
    assert _snapshot(layout / "victim") == before
    with pytest.raises(OutsideHomeError):
        store.remove_tree(home, home / "mine")
    assert (home / "mine").is_symlink() and _snapshot(layout / "victim") == before


def test_remove_tree_drops_a_link_inside_the_home_not_its_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    store.remove_tree(tmp_path, tmp_path / "link")
    assert not (tmp_path / "link").exists() and (tmp_path / "real" / "f").read_text() == "x"


def test_force_import_does_not_remove_a_folder_talosbench_did_not_write(layout: Path) -> None:
    home = layout / "home"
    (home / "notes").mkdir()
    (home / "notes" / "diary.txt").write_text("mine\n")
    args = ["download", "--file", str(layout / "x.csv"), "--name", "notes", "--force"]
    result = runner.invoke(app, [*args, "--data-dir", str(home)])
    assert result.exit_code == 1 and "talosbench did not write" in result.output, result.output
    assert (home / "notes" / "diary.txt").read_text() == "mine\n"


def _record(monkeypatch: pytest.MonkeyPatch, touched: list[tuple[str, Path]]) -> None:
    """Wrap every call the data side uses to write or remove a path so the test sees each path."""

    def wrap(owner: Any, attr: str, pick: Callable[..., list[Any]]) -> None:
        original = getattr(owner, attr)

        def spy(*args: Any, **kwargs: Any) -> Any:
            touched.extend((attr, Path(p)) for p in pick(*args, **kwargs) if p is not None)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, attr, spy)

    wrap(shutil, "rmtree", lambda path, *a, **k: [path])
    wrap(shutil, "copyfile", lambda src, dst, *a, **k: [dst])
    wrap(os, "replace", lambda src, dst, *a, **k: [src, dst])
    wrap(os, "open", lambda path, flags, *a, **k: [path] if flags & os.O_CREAT else [])  # temporary files
    wrap(Path, "unlink", lambda self, *a, **k: [self])
    wrap(Path, "mkdir", lambda self, *a, **k: [self])
    wrap(Path, "open", lambda self, mode="r", *a, **k: [self] if set(mode) & set("wax+") else [])

    def store_open(path: Any, *args: Any, **kwargs: Any) -> Any:  # file_lock's builtin open()
        touched.append(("open", Path(path)))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(store, "open", store_open, raising=False)


def test_every_path_written_or_removed_resolves_inside_the_home(
    layout: Path, monkeypatch: pytest.MonkeyPatch, mirror: Mirror, ml_zip: bytes
) -> None:
    home = layout / "home"
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.cut_next = 1  # a resumed download writes its .part twice
    (layout / "bad.csv").write_text("user,item\nu1\n")
    before = {p: b for p, b in _snapshot(layout).items() if not p.startswith("home")}
    touched: list[tuple[str, Path]] = []
    _record(monkeypatch, touched)
    import_file(layout / "x.csv", "mine", data_dir=home)
    import_file(layout / "x.csv", "mine", data_dir=home, force=True)
    with pytest.raises(DataError, match=r"bad\.csv:2"):
        import_file(layout / "bad.csv", "bad", data_dir=home)
    load_split("mine", "iid", 0, data_dir=home)
    tiny = {"n_users": 50, "n_items": 40, "n_interactions": 600}
    prepare_split("synthetic", "iid", 0, data_dir=home, preprocess=tiny)
    prepare_dataset("movielens-100k", data_dir=home, mirror=mirror.url, force=True)
    save_results([], data_dir=home)  # bench.json, the one file of `talosbench bench` in the data home
    root = Path(os.path.realpath(home))
    ops = {"rmtree", "copyfile", "replace", "unlink", "mkdir", "open"}
    assert {op for op, _ in touched} == ops  # the spies saw every kind of write and delete
    resolved = [(op, Path(os.path.realpath(p))) for op, p in touched]
    # Creating the home is fine; every other path lies inside it.
    outside = [(op, p) for op, p in resolved if root not in p.parents and not (op in HOME_OK and p == root)]
    assert outside == []
    after = {p: b for p, b in _snapshot(layout).items() if not p.startswith("home")}
    assert after == before


def test_datasets_lists_only_imports_whose_folder_name_is_plain(layout: Path) -> None:
    home = layout / "home"
    import_file(layout / "x.csv", "mine", data_dir=home)
    shutil.copytree(home / "mine", home / "my data")  # a folder renamed by hand: not a dataset name
    result = runner.invoke(app, ["datasets", "--data-dir", str(home)])
    assert result.exit_code == 0, result.output
    assert "\nmine " in result.output and "my data" not in result.output


FRAME = pl.DataFrame({"user": list(range(1000)), "item": list(range(1000))})


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """New ``*.tmp`` files are created as usual but written to /dev/full: ENOSPC, as on a full disk."""
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    real_open = os.open

    def open_full(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and str(path).endswith(".tmp"):
            os.close(real_open(path, flags, *args, **kwargs))
            return real_open("/dev/full", os.O_WRONLY)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_full)


@pytest.mark.usefixtures("full_disk")
def test_a_full_disk_raises_enospc_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    # polars writing a parquet file onto a full disk raises its own ComputeError, not an OSError;
    # the writers must surface the system's reason the same way for every file.
    for write, payload in ((store.atomic_write_parquet, FRAME), (store.atomic_write_bytes, b"x" * 100)):
        with pytest.raises(OSError) as info:
            write(tmp_path / "out", payload)
        assert info.value.errno == errno.ENOSPC
        assert list(tmp_path.iterdir()) == []


def test_parquet_bytes_and_permissions_match_a_direct_write(tmp_path: Path) -> None:
    store.atomic_write_parquet(tmp_path / "atomic.parquet", FRAME)
    FRAME.write_parquet(tmp_path / "direct.parquet")
    atomic, direct = tmp_path / "atomic.parquet", tmp_path / "direct.parquet"
    assert atomic.read_bytes() == direct.read_bytes()
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(direct.stat().st_mode)  # not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.parquet", "direct.parquet"]
