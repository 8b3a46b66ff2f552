"""Reading stored runs: completeness, damaged runs (truncated, missing or copied files), finding a run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from talosbench.config import RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.layout import run_dir
from talosbench.results.read import (
    find_run,
    is_complete,
    read_config,
    read_history,
    read_per_user,
    read_result,
    read_run,
)
from talosbench.results.write import write_run

from .conftest import CELL, run_result, write_demo


def test_directory_without_marker_is_incomplete(tmp_path: Path) -> None:
    done = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1))
    unfinished = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (unfinished / "result.json").unlink()
    assert is_complete(done) and not is_complete(unfinished)
    assert read_result(unfinished) is None and read_run(unfinished) is None


@pytest.mark.parametrize("name", ["result.json", "config.json", "history.parquet", "per_user.parquet"])
def test_a_run_with_a_truncated_file_is_damaged(tmp_path: Path, name: str) -> None:
    kept = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1))
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2))
    data = (directory / name).read_bytes()
    (directory / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedRunError) as caught:
        read_run(directory)
    assert caught.value.directory == directory and caught.value.problem.startswith(f"{name} cannot be read (")
    assert not is_complete(directory) and is_complete(kept)


def test_a_run_missing_a_file_is_damaged(tmp_path: Path) -> None:
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "history.parquet").unlink()
    assert read_history(directory).is_empty()  # absent tables read as empty...
    with pytest.raises(DamagedRunError, match=r"history\.parquet is missing"):
        read_run(directory)  # ...but a complete run has all of its files


def test_reading_a_truncated_table_names_the_run(tmp_path: Path) -> None:
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "per_user.parquet").write_bytes(b"PAR1")
    with pytest.raises(DamagedRunError, match=r"per_user.parquet cannot be read \(.*redo the run"):
        read_per_user(directory)


def test_a_config_copied_from_another_run_is_damage(tmp_path: Path) -> None:
    one = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1))
    other = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (other / "config.json").write_bytes((one / "config.json").read_bytes())
    with pytest.raises(DamagedRunError, match=f"config.json belongs to run {one.name}, not to this"):
        read_run(other)
    assert not is_complete(other) and is_complete(one)


def test_read_config_rebuilds_the_run_it_belongs_to(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="talos", lr=0.01, ks=(10, 20))
    directory = write_demo(tmp_path, config)
    assert read_config(directory) == config
    (directory / "result.json").unlink()
    with pytest.raises(ResultsError, match=r"holds no complete run \(no result.json\)"):
        read_config(directory)


def test_find_run_by_folder_id_or_suite_and_id(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    directory = write_demo(tmp_path, config)
    assert find_run(tmp_path, directory) == directory
    assert find_run(tmp_path, config.run_id) == directory
    assert find_run(tmp_path, f"demo/{config.run_id}") == directory
    with pytest.raises(ResultsError, match="no stored run at nope: not a run folder"):
        find_run(tmp_path, "nope")
    twin = run_dir(tmp_path, "other", config.run_id)
    write_run(twin, config, run_result(), suite="other", cell=CELL)
    with pytest.raises(ResultsError, match=r"stored in several suites .* name it as SUITE/RUN_ID"):
        find_run(tmp_path, config.run_id)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda d: d["test"].update({"precision@20": float("nan")}),
            "has the test metric precision@20 = nan",
        ),
        (lambda d: d["test"].update({"recall@20": float("inf")}), "has the test metric recall@20 = inf"),
        (lambda d: d["test"].update({"recall@20": None}), "has the test metric recall@20 = None"),
        (lambda d: d["test"].update({"recall@20": "0.5"}), "has the test metric recall@20 = '0.5'"),
        (lambda d: d.pop("test"), "of a completed run has no test metrics"),
        (lambda d: d.update({"test": {}}), "of a completed run has no test metrics"),
        (lambda d: d.update({"test": [0.5]}), "holds a test block that is no JSON object"),
        (lambda d: d.update({"status": "finished"}), "has the unknown status 'finished'"),
        (lambda d: d.pop("status"), "has the unknown status None"),
        (lambda d: d.update({"best_valid": [0.5]}), "holds a best_valid block that is no JSON object"),
        (lambda d: d["best_valid"].update({"x": "mf"}), "has the validation metric x = 'mf', not a number"),
        (lambda d: d["best_valid"].update({"x": 10**400}), "has the validation metric x = 1000"),
    ],
)
def test_a_result_no_run_writes_is_damaged(
    tmp_path: Path, edit: Callable[[dict], object], problem: str
) -> None:
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    data = json.loads((directory / "result.json").read_text(encoding="utf-8"))
    edit(data)
    (directory / "result.json").write_text(json.dumps(data), encoding="utf-8")  # NaN as JSON's NaN
    with pytest.raises(DamagedRunError) as caught:
        read_run(directory)
    assert caught.value.problem.startswith(f"result.json {problem}")
    assert not is_complete(directory)


def test_a_run_that_did_not_complete_may_keep_a_null_metric(tmp_path: Path) -> None:
    result = run_result(status="diverged", test={"precision@20": float("nan")}, error="loss is nan")
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"), result=result)
    assert read_run(directory)["test"] == {"precision@20": None}  # stored as null, strict JSON


def test_a_pruned_trial_is_a_run_as_any_other(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", pruner="median")
    directory = write_demo(tmp_path, config, result=run_result(status="pruned"))
    assert read_run(directory)["status"] == "pruned" and is_complete(directory)
    assert read_config(directory) == config and json.loads((directory / "config.json").read_text())["pruner"]
    plain = RunConfig(dataset="synthetic")
    assert "pruner" not in plain.to_record() and plain.run_id != config.run_id
