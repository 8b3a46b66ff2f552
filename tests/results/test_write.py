"""Storing a run: its files, strict JSON, refused records, and writes that fail part-way."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import polars as pl
import pytest

from talosbench.config import RunConfig
from talosbench.data import store
from talosbench.results.errors import ResultsWriteError
from talosbench.results.layout import run_dir
from talosbench.results.plan_file import write_plan
from talosbench.results.read import is_complete, read_history, read_per_user, read_result
from talosbench.results.write import write_output, write_run

from .conftest import CELL, run_result, write_demo


def test_write_run_files_and_result_json(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="talos", seed=3, loss_params={"k": 50})
    tuning = {"point": {"k": 50}, "budget": 4}
    run = run_result(split={"overlap": 0.1})
    directory = write_demo(tmp_path, config, result=run, tuning=tuning, environment={"torch": "x"})
    assert {p.name for p in directory.iterdir()} == {
        "config.json",
        "history.parquet",
        "per_user.parquet",
        "result.json",
    }
    saved_config = json.loads((directory / "config.json").read_text())
    assert saved_config["run_id"] == config.run_id and saved_config["loss_params"] == {"k": 50}
    assert saved_config["role"] == "final" and saved_config["cell"] == CELL
    result = read_result(directory)
    assert result is not None
    assert result["test"] == {"precision@20": 0.25, "recall@20": 0.5}
    assert result["tuning"] == tuning and result["split"] == {"overlap": 0.1}
    assert result["environment"] == {"torch": "x"} and result["status"] == "completed"
    assert read_history(directory)["train_loss"].to_list() == [1.0, 0.5]
    assert read_per_user(directory).columns == ["user", "precision@20"]


def test_non_finite_values_become_null(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    diverged = run_result(status="diverged", test={"precision@20": float("nan")})
    directory = write_demo(tmp_path, config, result=diverged)
    assert json.loads((directory / "result.json").read_text())["test"] == {"precision@20": None}


def test_bad_role_and_cell_are_refused(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    with pytest.raises(ValueError, match="role must be one of trial, final"):
        write_run(tmp_path, config, run_result(), suite="s", cell=CELL, role="best")
    with pytest.raises(ValueError, match="cell lacks backbone, loss"):
        write_run(tmp_path, config, run_result(), suite="s", cell={"dataset": "d", "scenario": "iid"})


def test_rewrite_removes_marker_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = RunConfig(dataset="synthetic")
    directory = write_demo(tmp_path, config)

    def crash(path: Path, frame: pl.DataFrame) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "atomic_write_parquet", crash)
    with pytest.raises(ResultsWriteError):
        write_demo(tmp_path, config)
    assert not is_complete(directory)


def test_a_full_disk_is_one_clear_error_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk often shows only when the data reaches it (fsync), after the temporary file exists.
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    config = RunConfig(dataset="synthetic")
    with pytest.raises(ResultsWriteError) as info:
        write_demo(tmp_path, config)
    directory = run_dir(tmp_path, "demo", config.run_id)
    assert str(info.value) == (
        f"cannot write to {directory}: No space left on device; "
        "free some space or choose another --results-dir"
    )
    assert not is_complete(directory)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # no .tmp file left behind


def test_run_files_and_the_plan_honour_the_umask(tmp_path: Path) -> None:
    # Issue 14 point 7: results and data must share one rule, the umask's (not mkstemp's 0600).
    old = os.umask(0o027)
    try:
        directory = write_demo(tmp_path, RunConfig())
        write_plan(tmp_path / "demo", [], source=tmp_path / "demo.toml")
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"config.json", "result.json", "history.parquet", "plan.json"}
    assert all(p.parent == directory or p.parent == tmp_path / "demo" for p in files)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: "0o640" for p in files}


def test_write_output_is_whole_or_nothing_with_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write_output(tmp_path / "out" / "report.md", b"old")
    assert target.read_bytes() == b"old"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ResultsWriteError) as info:
        write_output(target, b"new" * 4096)
    assert str(info.value) == (
        f"cannot write to {target}: No space left on device; free some space or choose another -o"
    )
    assert target.read_bytes() == b"old" and sorted(p.name for p in target.parent.iterdir()) == ["report.md"]
    with pytest.raises(ResultsWriteError, match="it is a folder, not a file; choose another -o"):
        write_output(tmp_path, b"x")
