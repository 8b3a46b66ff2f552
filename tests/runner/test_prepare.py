"""Faults of the data fail a grid once, before any run trains, with one message (issue 23 item 5)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.errors import DataError
from talosbench.runner import run_suite
from talosbench.suite import parse_suite

SUITE = """
[suite]
name = "s"
seeds = [1, 2, 3]

[train]
epochs = 1
device = "cpu"

[grid]
datasets = ["{dataset}"]
losses = ["bpr", "sl"]
"""


def run(tmp_path: Path, dataset: str, home: Path, *extra: str) -> Any:
    suite = tmp_path / "s.toml"
    suite.write_text(SUITE.format(dataset=dataset), encoding="utf-8")
    args = ["run", str(suite), "--data-dir", str(home), "--results-dir", str(tmp_path / "runs"), *extra]
    return CliRunner().invoke(app, args)


def errors(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_a_dataset_too_small_to_split_fails_the_grid_once(tmp_path: Path) -> None:
    (tmp_path / "two.csv").write_text("user,item\nu1,i1\nu2,i2\n")
    home = tmp_path / "home"
    imported = ["download", "--file", str(tmp_path / "two.csv"), "--name", "two", "--data-dir", str(home)]
    assert CliRunner().invoke(app, imported).exit_code == 0
    result = run(tmp_path, "two", home)
    assert result.exit_code == 1, result.output
    assert errors(result) == [
        "error: the iid split of 'two' (seed 2024) has no validation and no test rows (train 2, valid 0, "
        "test 0), and a run needs all three. 'two' has 2 interactions from 2 users; 2 of them with fewer "
        "than 3, whose rows all stay in training in a per-user split. Use more data (at least 3 "
        "interactions for most users), or another scenario."
    ]
    assert "Traceback" not in result.output and not list((tmp_path / "runs" / "s").glob("*/config.json"))


def test_a_data_home_that_is_a_file_fails_the_grid_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = run(tmp_path, "synthetic", home)
    assert result.exit_code == 1, result.output
    assert errors(result) == [
        f"error: cannot prepare dataset 'synthetic' in the data home {home}: it is a file, not a folder; "
        "free some space, fix its permissions, or choose another --data-dir (or $TALOSBENCH_HOME)"
    ]


def test_a_full_data_home_fails_the_grid_once_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talosbench.data import store

    write = store.atomic_write_bytes

    def full(path: Path, data: bytes) -> None:  # the data home is full; the results folder is not
        if tmp_path / "home" in path.parents:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write(path, data)

    monkeypatch.setattr(store, "atomic_write_bytes", full)
    result = run(tmp_path, "synthetic", tmp_path / "home")
    assert result.exit_code == 1, result.output
    (line,) = errors(result)
    assert line.startswith(
        f"error: cannot prepare dataset 'synthetic' in the data home {tmp_path / 'home'}: "
    )
    assert line.endswith(
        ": No space left on device; free some space, fix its permissions, or choose another "
        "--data-dir (or $TALOSBENCH_HOME)"
    )


def test_a_dataset_that_cannot_be_downloaded_is_tried_once_per_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[str] = []

    def unreachable(entry: Any, home: Path, **kwargs: Any) -> Any:
        tries.append(entry.name)
        raise DataError(f"Could not download {entry.name}: Connection refused (gave up after 4 retries).")

    monkeypatch.setattr("talosbench.data.prepare.fetch_source", unreachable)
    trained: list[Any] = []
    monkeypatch.setattr("talosbench.train.run.train_split", lambda *args, **kwargs: trained.append(args))
    suite = parse_suite(
        {
            "suite": {"name": "s", "seeds": [1, 2, 3]},
            "grid": {"datasets": ["movielens-100k"], "losses": ["bpr", "sl"]},
        },
        "s.toml",
    )
    with pytest.raises(DataError, match=r"^Could not download movielens-100k: Connection refused"):
        run_suite(suite, tmp_path / "runs", data_dir=tmp_path / "home", device="cpu")
    assert tries == ["movielens-100k"] and trained == []


def test_a_grid_whose_runs_are_all_stored_needs_no_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    from talosbench.config import RunResult

    def trained(config: Any, split: Any, **kwargs: Any) -> RunResult:
        return RunResult(
            status="completed",
            test={"precision@20": 0.1},
            best_valid={"precision@20": 0.1},
            best_epoch=1,
            epochs=1,
            history=pl.DataFrame({"epoch": [1], "train_loss": [1.0]}),
            per_user=pl.DataFrame({"user": [0], "precision@20": [0.1]}),
        )

    monkeypatch.setattr("talosbench.train.run.train_split", trained)
    suite = parse_suite(
        {
            "suite": {"name": "s", "seeds": [1]},
            "grid": {"datasets": ["synthetic"], "losses": ["bpr"]},
            "datasets": {"synthetic": {"n_users": 60, "n_items": 40, "n_interactions": 900}},
        },
        "s.toml",
    )
    home = tmp_path / "home"
    assert run_suite(suite, tmp_path / "runs", data_dir=home, device="cpu").ran == 1
    home.rename(tmp_path / "gone")
    home.write_text("not a folder")  # every run is stored: the grid prepares nothing, so this is no fault
    assert run_suite(suite, tmp_path / "runs", data_dir=home, device="cpu").reused == 1
