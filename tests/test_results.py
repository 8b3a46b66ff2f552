"""The results store: atomic run directories and the collected frame."""

from __future__ import annotations

import errno
import json
import os
import platform
from pathlib import Path

import polars as pl
import pytest

from talosbench import results
from talosbench.config import RunConfig, RunResult

CELL = {"dataset": "synthetic", "scenario": "iid", "backbone": "mf", "loss": "talos@50"}


def _result(**overrides: object) -> RunResult:
    base = {
        "status": "completed",
        "test": {"precision@20": 0.25, "recall@20": 0.5},
        "best_valid": {"precision@20": 0.3},
        "best_epoch": 10,
        "epochs": 35,
        "history": pl.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]}),
        "per_user": pl.DataFrame({"user": [0, 1], "precision@20": [0.2, 0.3]}),
        "timings": {"train_seconds_per_epoch": 0.5, "wall_seconds": 20.0},
        "memory": {"host_peak_bytes": 1024.0},
        "thresholds": {"threshold_error": 0.01},
    }
    base.update(overrides)
    return RunResult(**base)  # type: ignore[arg-type]


def _write(root: Path, config: RunConfig, **kwargs: object) -> Path:
    directory = results.run_dir(root, "demo", config.run_id)
    results.write_run(directory, config, kwargs.pop("result", _result()), suite="demo", cell=CELL, **kwargs)
    return directory


def test_run_dir_layout(tmp_path: Path) -> None:
    assert results.run_dir(tmp_path, "quick", "abc") == tmp_path / "quick" / "abc"


def test_write_run_files_and_result_json(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="talos", seed=3, loss_params={"k": 50})
    tuning = {"point": {"k": 50}, "budget": 4}
    run = _result(split={"overlap": 0.1})
    directory = _write(tmp_path, config, result=run, tuning=tuning, environment={"torch": "x"})
    assert {p.name for p in directory.iterdir()} == {
        "config.json",
        "history.parquet",
        "per_user.parquet",
        "result.json",
    }
    saved_config = json.loads((directory / "config.json").read_text())
    assert saved_config["run_id"] == config.run_id and saved_config["loss_params"] == {"k": 50}
    assert saved_config["role"] == "final" and saved_config["cell"] == CELL
    result = results.read_result(directory)
    assert result is not None
    assert result["test"] == {"precision@20": 0.25, "recall@20": 0.5}
    assert result["tuning"] == tuning and result["split"] == {"overlap": 0.1}
    assert result["environment"] == {"torch": "x"} and result["status"] == "completed"
    assert results.read_history(directory)["train_loss"].to_list() == [1.0, 0.5]
    assert results.read_per_user(directory).columns == ["user", "precision@20"]


def test_non_finite_values_become_null(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    diverged = _result(status="diverged", test={"precision@20": float("nan")})
    directory = _write(tmp_path, config, result=diverged)
    assert json.loads((directory / "result.json").read_text())["test"] == {"precision@20": None}


def test_bad_role_and_cell_are_refused(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    with pytest.raises(ValueError, match="role must be one of trial, final"):
        results.write_run(tmp_path, config, _result(), suite="s", cell=CELL, role="best")
    with pytest.raises(ValueError, match="cell lacks backbone, loss"):
        results.write_run(tmp_path, config, _result(), suite="s", cell={"dataset": "d", "scenario": "iid"})


def test_directory_without_marker_is_incomplete_and_ignored(tmp_path: Path) -> None:
    done = _write(tmp_path, RunConfig(dataset="synthetic", seed=1))
    unfinished = _write(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (unfinished / "result.json").unlink()
    assert results.is_complete(done) and not results.is_complete(unfinished)
    assert results.read_result(unfinished) is None
    frame = results.collect(tmp_path)
    assert frame["seed"].to_list() == [1]


def test_rewrite_removes_marker_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = RunConfig(dataset="synthetic")
    directory = _write(tmp_path, config)

    def crash(path: Path, frame: pl.DataFrame) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(results.store, "atomic_write_parquet", crash)
    with pytest.raises(results.ResultsWriteError):
        _write(tmp_path, config)
    assert not results.is_complete(directory)


def test_a_full_disk_is_one_clear_error_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk often shows only when the data reaches it (fsync), after the temporary file exists.
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    config = RunConfig(dataset="synthetic")
    with pytest.raises(results.ResultsWriteError) as info:
        _write(tmp_path, config)
    directory = results.run_dir(tmp_path, "demo", config.run_id)
    assert str(info.value) == (
        f"cannot write to {directory}: No space left on device; "
        "free some space or choose another --results-dir"
    )
    assert not results.is_complete(directory)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # no .tmp file left behind


def test_check_writable_proves_a_file_fits_and_leaves_nothing(tmp_path: Path) -> None:
    results.check_writable(tmp_path / "runs" / "demo")
    assert (tmp_path / "runs" / "demo").is_dir() and list((tmp_path / "runs").rglob("*.*")) == []
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(
        results.ResultsWriteError,
        match=r"cannot write to .*file/demo: Not a directory; "
        r"choose another --results-dir or fix its permissions",
    ):
        results.check_writable(tmp_path / "file" / "demo")


def test_collect_columns_and_values(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="talos", seed=7, lr=0.01, loss_params={"k": 50})
    directory = _write(tmp_path, config, tuning={"point": {"k": 50}, "budget": 4}, role="trial")
    frame = results.collect(tmp_path)
    row = frame.row(0, named=True)
    assert row["loss"] == "talos@50" and row["loss_name"] == "talos" and row["role"] == "trial"
    assert row["suite"] == "demo" and row["seed"] == 7 and row["run_id"] == config.run_id
    assert row["test_precision@20"] == 0.25 and row["valid_precision@20"] == 0.3
    assert json.loads(row["params"])["lr"] == 0.01 and json.loads(row["params"])["loss_params"] == {"k": 50}
    assert row["point.k"] == 50 and frame.schema["point.k"] == pl.Int64 and row["tuning_budget"] == 4
    assert row["host_peak_bytes"] == 1024 and row["device_peak_bytes"] is None
    assert row["threshold_error"] == 0.01 and row["mean_threshold"] is None
    assert row["path"] == str(directory)
    # A single suite directory is accepted as well as the root.
    assert results.collect(tmp_path / "demo").height == 1
    assert frame.columns.index("test_precision@20") < frame.columns.index("test_recall@20")


def test_collect_empty_has_fixed_columns(tmp_path: Path) -> None:
    frame = results.collect(tmp_path)
    assert frame.height == 0
    assert {"run_id", "loss", "loss_name", "params", "wall_seconds", "mean_neg_score", "path"} <= set(
        frame.columns
    )


def test_collect_missing_dir_and_corrupt_marker(tmp_path: Path) -> None:
    with pytest.raises(results.ResultsError, match="does not exist"):
        results.collect(tmp_path / "nope")
    directory = _write(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "result.json").write_text("{not json")
    with pytest.raises(results.DamagedRunError, match=r"result.json cannot be read .* to redo the run"):
        results.collect(tmp_path)


def test_environment_names_versions() -> None:
    env = results.environment("cpu")
    assert env["talosbench"] and env["torch"] and env["python"].count(".") == 2
    assert env["device"] == "cpu" and env["device_name"]


def test_environment_names_the_cpu_model() -> None:
    env = results.environment("cpu")
    assert env["cpu"] == env["device_name"] == results.cpu_model()
    info = Path("/proc/cpuinfo")
    if info.is_file() and "model name" in info.read_text(errors="replace"):  # Linux on x86 and most ARM
        assert results.cpu_model() not in (platform.machine(), "")  # the model, not the architecture


@pytest.mark.parametrize("name", ["result.json", "config.json", "history.parquet", "per_user.parquet"])
def test_a_run_with_a_truncated_file_is_damaged_and_left_out(tmp_path: Path, name: str) -> None:
    kept = _write(tmp_path, RunConfig(dataset="synthetic", seed=1))
    directory = _write(tmp_path, RunConfig(dataset="synthetic", seed=2))
    data = (directory / name).read_bytes()
    (directory / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(results.DamagedRunError) as caught:
        results.read_run(directory)
    assert caught.value.directory == directory and caught.value.problem.startswith(f"{name} cannot be read (")
    assert not results.is_complete(directory) and results.is_complete(kept)
    damaged: list[results.DamagedRunError] = []
    assert results.collect(tmp_path, on_damaged=damaged.append)["path"].to_list() == [str(kept)]
    assert [error.directory for error in damaged] == [directory]


def test_a_run_missing_a_file_is_damaged(tmp_path: Path) -> None:
    directory = _write(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "history.parquet").unlink()
    assert results.read_history(directory).is_empty()  # absent tables read as empty...
    with pytest.raises(results.DamagedRunError, match=r"history\.parquet is missing"):
        results.read_run(directory)  # ...but a complete run has all of its files


def test_reading_a_truncated_table_names_the_run(tmp_path: Path) -> None:
    directory = _write(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "per_user.parquet").write_bytes(b"PAR1")
    with pytest.raises(results.DamagedRunError, match=r"per_user.parquet cannot be read \(.*redo the run"):
        results.read_per_user(directory)


def test_plan_round_trip_and_damaged_plan(tmp_path: Path) -> None:
    suite_file = tmp_path / "s.toml"
    suite_file.write_text("[suite]\nname = 's'\n")
    assert results.read_plan(tmp_path / "s") is None
    results.write_plan(tmp_path / "s", ["a", "b"], suite_file)
    plan = results.read_plan(tmp_path / "s")
    assert plan is not None and plan["runs"] == ["a", "b"] and plan["source"] == str(suite_file)
    assert plan["source_sha256"] == results.source_digest(suite_file)
    assert results.source_digest(tmp_path / "nope.toml") is None
    (tmp_path / "s" / "plan.json").write_text('{"runs": ["a"')
    with pytest.raises(results.ResultsError, match=r"plan.json cannot be read .* record the suite's plan"):
        results.read_plan(tmp_path / "s")


def test_run_files_and_the_plan_honour_the_umask(tmp_path: Path) -> None:
    # Issue 14 point 7: results and data must share one rule, the umask's (not mkstemp's 0600).
    old = os.umask(0o027)
    try:
        directory = _write(tmp_path, RunConfig())
        results.write_plan(tmp_path / "demo", [], source=tmp_path / "demo.toml")
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"config.json", "result.json", "history.parquet", "plan.json"}
    assert all(p.parent == directory or p.parent == tmp_path / "demo" for p in files)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: "0o640" for p in files}


def test_a_config_copied_from_another_run_is_damage(tmp_path: Path) -> None:
    one = _write(tmp_path, RunConfig(dataset="synthetic", seed=1))
    other = _write(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (other / "config.json").write_bytes((one / "config.json").read_bytes())
    with pytest.raises(results.DamagedRunError, match=f"config.json belongs to run {one.name}, not to this"):
        results.read_run(other)
    assert not results.is_complete(other) and results.is_complete(one)


def test_weights_are_kept_with_the_configuration_that_rebuilds_them(tmp_path: Path) -> None:
    import torch

    config = RunConfig(dataset="synthetic", loss="talos", lr=0.01)
    weights = {"backbone.user.weight": torch.arange(6.0).reshape(3, 2), "loss.thresholds": torch.ones(3)}
    directory = _write(tmp_path, config, result=_result(model=weights))
    tensors, metadata = results.read_model(directory)
    assert tensors.keys() == weights.keys() and all(torch.equal(tensors[k], weights[k]) for k in weights)
    assert metadata["run_id"] == config.run_id
    assert json.loads(metadata["config"])["lr"] == 0.01
    assert results.read_config(directory) == config  # config.json rebuilds the run it belongs to
    _write(tmp_path, config)  # trained again without keeping weights: the old ones are not this run's
    with pytest.raises(results.ResultsError, match="holds no saved model; train the run again with"):
        results.read_model(directory)


def test_find_run_by_folder_id_or_suite_and_id(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic")
    directory = _write(tmp_path, config)
    assert results.find_run(tmp_path, directory) == directory
    assert results.find_run(tmp_path, config.run_id) == directory
    assert results.find_run(tmp_path, f"demo/{config.run_id}") == directory
    with pytest.raises(results.ResultsError, match="no stored run at nope: not a run folder"):
        results.find_run(tmp_path, "nope")
    twin = results.run_dir(tmp_path, "other", config.run_id)
    results.write_run(twin, config, _result(), suite="other", cell=CELL)
    with pytest.raises(results.ResultsError, match=r"stored in several suites .* name it as SUITE/RUN_ID"):
        results.find_run(tmp_path, config.run_id)
