"""``--log mlflow``: each talosbench run recorded once in a temporary local MLflow store, read back."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.runner import Listener, Outcome, SilentListener
from talosbench.tracking import (
    MlflowLog,
    TrackingError,
    TrackingUsageError,
    _Logging,
    mlflow_name,
    params_of,
    store_uri,
)

runner = CliRunner()
TWO_LOSSES = lambda text: text.replace('"bpr", "sl", "talos"', '"bpr", "sl"').replace("[1, 2]", "[1]")  # noqa: E731


def client(uri: Path) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri.as_uri())


def runs_of(store: Path, experiment: str) -> list[Any]:
    found = client(store).get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r} in {store}"
    return client(store).search_runs([found.experiment_id])


def test_run_logs_each_stored_run_once_with_its_settings_curves_and_metrics(
    tmp_path: Path, tiny_suite: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store, results = tmp_path / "mlruns", tmp_path / "runs"
    args = [
        "run",
        str(tiny_suite(2, TWO_LOSSES)),
        "--quiet",
        "--results-dir",
        str(results),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    logged = [*args, "--log", "mlflow", "--mlflow-uri", str(store)]
    # bpr first without --log; the logged invocation then trains sl and fills in the stored bpr run.
    assert runner.invoke(app, [*args, "--only", "loss=bpr"]).exit_code == 0
    assert not store.exists()
    first = runner.invoke(app, logged)
    assert first.exit_code == 0, first.output
    assert "1 trained, 1 already complete" in first.output
    assert "mlflow: 2 run(s) logged, 0 already there, in experiment 'tiny'" in first.output

    runs = runs_of(store, "tiny")
    stored = {p.parent.name: p.parent for p in results.glob("tiny/*/result.json")}
    assert sorted(r.data.tags["run_id"] for r in runs) == sorted(stored)
    for run in runs:
        directory = stored[run.data.tags["run_id"]]
        result = json.loads((directory / "result.json").read_text())
        config = json.loads((directory / "config.json").read_text())
        history = pl.read_parquet(directory / "history.parquet")
        tags, params, metrics = run.data.tags, run.data.params, run.data.metrics
        assert run.info.status == "FINISHED" and tags["status"] == result["status"] == "completed"
        assert (tags["suite"], tags["loss"], tags["seed"]) == ("tiny", config["loss"], "1")
        assert tags["device"] == "cpu"
        assert tags["finished_at"] == result["finished_at"]
        assert params["lr"] == "0.01" and params["epochs"] == "2" and params["ks"] == "[20]"
        assert params["preprocess.n_users"] == "150" and params["valid_metric"] == "precision@20"
        assert metrics["test/precision_at_20"] == result["test"]["precision@20"]
        assert metrics["test/ndcg_at_20"] == result["test"]["ndcg@20"]
        assert metrics["best_valid/recall_at_20"] == result["best_valid"]["recall@20"]
        assert metrics["timings/train_seconds_per_epoch"] == result["timings"]["train_seconds_per_epoch"]
        assert metrics["best_epoch"] == result["best_epoch"]
        for key, column in (("train/loss", "train_loss"), ("valid/precision_at_20", "valid_precision@20")):
            curve = client(store).get_metric_history(run.info.run_id, key)
            expected = list(zip(history["epoch"], history[column], strict=True))
            assert [(m.step, m.value) for m in curve] == expected
            assert [m.step for m in curve] == [1, 2]

    again = runner.invoke(app, logged)  # a resumed suite: nothing new, nothing logged twice
    assert again.exit_code == 0, again.output
    assert "mlflow: 0 run(s) logged, 2 already there" in again.output
    assert len(runs_of(store, "tiny")) == 2


@pytest.mark.slow  # prepares the default synthetic dataset: ~20 s on 2 loaded cores
def test_train_logs_its_run_to_the_train_experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", str(tmp_path / "store"))  # the environment names the store
    args = [
        "train",
        "--dataset",
        "synthetic",
        "--negatives",
        "4",
        "--epochs",
        "2",
        "--eval-every",
        "1",
        "--dim",
        "8",
        "--device",
        "cpu",
        "--loss",
        "sl",
        "--data-dir",
        str(tmp_path / "data"),
        "--results-dir",
        str(tmp_path / "runs"),
        "--log",
        "mlflow",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "mlflow: 1 run(s) logged" in result.output
    (run,) = runs_of(tmp_path / "store", "train")  # the pseudo-suite train stores its run in
    printed = next(line.split() for line in result.output.splitlines() if line.startswith("precision@20"))
    assert f"{run.data.metrics['test/precision_at_20']:.4f}" == printed[1]
    assert run.data.params["loss"] == "sl" and run.data.tags["suite"] == "train"
    (stored,) = (tmp_path / "runs" / "train").glob("*/result.json")
    assert run.data.tags["run_id"] == stored.parent.name
    assert run.data.metrics["test/ndcg_at_20"] == json.loads(stored.read_text())["test"]["ndcg@20"]
    curve = client(tmp_path / "store").get_metric_history(run.info.run_id, "train/loss")
    assert [m.step for m in curve] == [1, 2]


@pytest.mark.parametrize("command", ["run", "train"])
def test_log_mlflow_without_mlflow_stops_before_training(
    tmp_path: Path, tiny_suite: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` now raises ImportError
    results = tmp_path / "runs"
    args = {"run": ["run", str(tiny_suite(2))], "train": ["train", "--dataset", "synthetic", "--epochs", "2"]}
    options = ["--results-dir", str(results), "--data-dir", str(tmp_path / "data"), "--log", "mlflow"]
    result = runner.invoke(app, [*args[command], *options])
    assert result.exit_code == 2, result.output
    assert "--log mlflow needs the mlflow package" in result.output
    assert "pip install 'talosbench[mlflow]'" in result.output
    assert not results.exists() and not (tmp_path / "data").exists()  # nothing prepared, nothing trained


def test_a_run_is_logged_again_only_when_it_was_trained_again(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    log = MlflowLog(str(tmp_path / "store"), "dedupe")
    config = {"loss": "sl", "dataset": "synthetic", "seed": 1, "lr": 0.01}
    record = {
        "run_id": "abc",
        "suite": "dedupe",
        "status": "completed",
        "finished_at": "2026-01-01T00:00:00+00:00",
        "test": {"precision@20": 0.5},
    }
    history = pl.DataFrame({"epoch": [1], "train_loss": [1.0]})
    assert log.log(config, record, history) is not None
    assert log.log(config, record, history) is None
    # Another process opening the store sees the run too (a resumed suite).
    assert MlflowLog(str(tmp_path / "store"), "dedupe").log(config, record, history) is None
    forced = {**record, "finished_at": "2026-01-02T00:00:00+00:00", "status": "diverged"}  # --force
    assert log.log(config, forced, history) is not None
    runs = runs_of(tmp_path / "store", "dedupe")
    assert sorted(r.info.status for r in runs) == ["FAILED", "FINISHED"]
    assert (log.added, log.present) == (2, 1)


def test_a_run_that_cannot_be_logged_is_reported_after_the_grid(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    log = MlflowLog(str(tmp_path / "store"), "broken")
    job = type("J", (), {"run_id": "missing"})()
    with log.listening(SilentListener(), tmp_path / "runs", "broken") as listener:
        listener.finished(job, Outcome("missing", "completed"))  # type: ignore[arg-type]
    with pytest.raises(TrackingError, match=r"1 run\(s\) could not be logged to MLflow \(missing: "):
        log.check()


def test_the_logging_listener_passes_on_every_callback() -> None:
    calls: list[str] = []

    class Recorder(Listener):
        def __getattribute__(self, name: str) -> Any:
            if not name.startswith("_"):
                calls.append(name)
                return lambda *args: None
            return object.__getattribute__(self, name)

    log = type("L", (), {"failures": []})()
    listener = _Logging(log, Recorder(), Path("runs"), "s")  # type: ignore[arg-type]
    names = [n for n in vars(Listener) if not n.startswith("_") and callable(getattr(Listener, n))]
    outcome = Outcome("x", "error", recorded=False)
    for name in names:
        getattr(listener, name)(*([None, outcome] if name == "finished" else [None] * _arity(name)))
    assert calls == names


def _arity(name: str) -> int:
    import inspect

    return len(inspect.signature(getattr(Listener, name)).parameters) - 1


def test_names_params_and_store_uris_as_mlflow_takes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mlflow_name("valid/precision@20") == "valid/precision_at_20"
    assert mlflow_name("a+b (c)") == "a_b _c_"
    params = params_of(
        {
            "run_id": "x",
            "lr": 0.001,
            "ks": [10, 20],
            "loss_params": {"tau": 0.2},
            "backbone_params": {},
            "normalize": None,
            "loss": "talos",
        }
    )
    assert params == {
        "lr": "0.001",
        "ks": "[10, 20]",
        "loss_params.tau": "0.2",
        "backbone_params": "{}",
        "normalize": "null",
        "loss": "talos",
    }
    monkeypatch.chdir(tmp_path)
    assert store_uri(None) == (tmp_path / "mlruns").as_uri()
    assert store_uri("elsewhere") == (tmp_path / "elsewhere").as_uri()
    assert store_uri("sqlite:///mlflow.db") == "sqlite:///mlflow.db"


def test_a_store_that_cannot_be_opened_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TrackingUsageError, match="cannot open the MLflow store"):
        MlflowLog(str(blocker / "mlruns"), "x")
