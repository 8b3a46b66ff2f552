"""``talosbench train`` stores its run in the results layout; ``evaluate`` scores its saved weights again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner, Result

from talosbench.cli import app
from talosbench.config import RunConfig, RunResult
from talosbench.results import collect, read_run, run_dir, write_plan
from talosbench.runner.execute import prepare_and_run
from talosbench.runner.single import evaluate_run, store

runner = CliRunner()
TINY = [
    "--dataset",
    "small",
    "--negatives",
    "16",
    "--epochs",
    "2",
    "--eval-every",
    "1",
    "--device",
    "cpu",
    "--lr",
    "0.01",
]
SMALL = {"n_users": 150, "n_items": 90, "n_interactions": 4000}
"""A synthetic dataset small enough to train a graph backbone in a second."""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home holding ``small``: 150 users with 25 random items each of 90, imported from a CSV."""
    folder = tmp_path_factory.mktemp("home")
    rng = np.random.default_rng(0)
    rows = [f"{user},{item}" for user in range(150) for item in rng.choice(90, 25, replace=False)]
    (folder / "small.csv").write_text("user,item\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["download", "--file", str(folder / "small.csv"), "--name", "small", "--data-dir", str(folder)]
    assert runner.invoke(app, args).exit_code == 0
    return folder


def _train(tmp_path: Path, home: Path, *extra: str) -> tuple[Path, Result]:
    """``talosbench train`` of sl on the tiny settings; the results root and the command's result."""
    root = tmp_path / "runs"
    args = ["train", *TINY, "--loss", "sl", "--data-dir", str(home), "--results-dir", str(root)]
    return root, runner.invoke(app, [*args, *extra])


def test_train_stores_its_run_where_report_and_evaluate_find_it(tmp_path: Path, home: Path) -> None:
    root, result = _train(tmp_path, home, "--save-model")
    assert result.exit_code == 0, result.output
    [directory] = (root / "train").iterdir()
    assert f"run {directory.name} stored in {directory} with its weights (model.safetensors)" in result.stderr
    assert {p.name for p in directory.iterdir()} == {
        "config.json",
        "history.parquet",
        "per_user.parquet",
        "model.safetensors",
        "result.json",
    }
    [row] = collect(root / "train").to_dicts()
    assert (row["suite"], row["dataset"], row["loss"], row["role"]) == ("train", "small", "sl", "final")
    assert f"{row['test_precision@20']:.4f}" in result.stdout  # what was printed is what was stored

    report = runner.invoke(app, ["report", str(root / "train"), "--table", "accuracy"])
    assert report.exit_code == 0, report.output
    assert "| sl " in report.stdout and f"{row['test_precision@20']:.4f}" in report.stdout
    plot = runner.invoke(app, ["plot", str(root / "train"), "--metric", "precision@20"])
    assert plot.exit_code == 0, plot.output
    pngs = [Path(line) for line in plot.stdout.splitlines()]
    assert pngs and all(path.is_file() and path.parent == root / "train" / "plots" for path in pngs)

    evaluated = runner.invoke(
        app, ["evaluate", directory.name, "--results-dir", str(root), "--data-dir", str(home)]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert "all 10 metrics equal the stored ones" in evaluated.stderr
    assert "test precision@20" in evaluated.stdout and "differs" not in evaluated.stdout

    record = json.loads((directory / "result.json").read_text())
    record["test"]["ndcg@20"] += 0.01  # as if the data or the code had changed since
    (directory / "result.json").write_text(json.dumps(record))
    changed = runner.invoke(app, ["evaluate", str(directory), "--data-dir", str(home)])
    assert changed.exit_code == 1
    assert "1 of 10 metrics differ from the stored ones" in changed.stderr
    assert [line.split()[:2] for line in changed.stdout.splitlines() if "differs" in line] == [
        ["test", "ndcg@20"]
    ]


def test_training_again_replaces_the_run_and_weights_not_kept_cannot_be_evaluated(
    tmp_path: Path, home: Path
) -> None:
    root, first = _train(tmp_path, home, "--save-model")
    assert first.exit_code == 0, first.output
    root, again = _train(tmp_path, home)  # train always trains; the same configuration has the same folder
    assert again.exit_code == 0, again.output
    [directory] = (root / "train").iterdir()
    assert "(replacing its earlier training)" in again.stderr and "with its weights" not in again.stderr
    assert not (directory / "model.safetensors").exists()
    evaluated = runner.invoke(app, ["evaluate", directory.name, "--results-dir", str(root)])
    assert evaluated.exit_code == 2
    assert f"error: {directory} holds no saved model; train the run again with" in evaluated.stderr


def test_evaluate_on_truncated_weights_names_the_command_that_stored_the_run(
    tmp_path: Path, home: Path
) -> None:
    root, result = _train(tmp_path, home, "--save-model")
    assert result.exit_code == 0, result.output
    [directory] = (root / "train").iterdir()
    weights = directory / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    evaluated = runner.invoke(app, ["evaluate", str(directory), "--data-dir", str(home)])
    assert evaluated.exit_code == 2
    assert "model.safetensors cannot be read" in evaluated.stderr
    assert (
        "rerun the `talosbench train` that stored it (its settings are in its config.json)"
        in evaluated.stderr
    )
    assert "talosbench run" not in evaluated.stderr
    write_plan(root / "train", [directory.name], tmp_path / "suite.toml")  # as if a suite had stored it
    suite_run = runner.invoke(app, ["evaluate", str(directory), "--data-dir", str(home)])
    assert "rerun `talosbench run SUITE.toml` to redo the run" in suite_run.stderr


def test_train_refuses_settings_past_the_datasets_items_or_the_memory(tmp_path: Path, home: Path) -> None:
    root, result = _train(tmp_path, home, "--negatives", "5000")
    assert result.exit_code == 2
    assert "error: --negatives = 5000 is more than small's 90 items - 1" in result.output
    root, result = _train(tmp_path, home, "--k", "20", "--k", "100000")
    assert result.exit_code == 2
    assert "error: --k asks for a cut-off of 100000, more than small's 90 items" in result.output
    root, result = _train(tmp_path, home, "--dim", "100000000")
    assert result.exit_code == 2
    assert (
        "error: --dim = 100000000, --batch-size (left unset) = 1024 and 16 negatives need about"
        in result.output
    )
    assert not list(root.glob("*/*/result.json"))


def test_a_suite_folder_is_refused_before_training(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    write_plan(root / "quick", ["abc"], tmp_path / "quick.toml")
    args = [
        "train",
        *TINY,
        "--name",
        "quick",
        "--results-dir",
        str(root),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"error: {root / 'quick'} holds the results of suite 'quick'" in result.stderr
    assert "choose another --name" in result.stderr and "epoch" not in result.output
    assert not (tmp_path / "data").exists()  # nothing was prepared


@pytest.mark.parametrize(("backbone", "loss"), [("mf", "bpr"), ("lightgcn", "talos")])
def test_evaluate_reproduces_every_stored_metric_exactly(tmp_path: Path, backbone: str, loss: str) -> None:
    config = RunConfig(
        dataset="synthetic",
        backbone=backbone,
        loss=loss,
        preprocess=SMALL,
        epochs=3,
        eval_every=1,
        negatives=16,
        lr=0.01,
        device="cpu",
        save_model=True,
    )
    result = prepare_and_run(config, data_dir=tmp_path / "data")
    assert result.status == "completed" and result.model
    directory = store(tmp_path / "runs", "train", config, result)
    evaluation = evaluate_run(directory, data_dir=tmp_path / "data")
    stored = read_run(directory)
    assert stored is not None
    assert evaluation.now["test"] == stored["test"] == result.test
    assert evaluation.now["valid"] == stored["best_valid"] == result.best_valid
    assert evaluation.now["thresholds"] == result.thresholds and (loss == "talos") == bool(result.thresholds)
    assert evaluation.differences() == [] and evaluation.directory == run_dir(
        tmp_path / "runs", "train", config.run_id
    )


def test_a_suite_keeps_the_weights_of_every_run_and_resume_trains_those_without(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    args = ["run", "--quiet", "--results-dir", str(tmp_path / "runs"), "--data-dir", str(tmp_path / "data")]
    plain = runner.invoke(app, [*args, str(tiny_suite(2))])
    assert plain.exit_code == 0, plain.output
    suite_dir = tmp_path / "runs" / "tiny"
    ids = sorted(p.name for p in suite_dir.iterdir() if p.is_dir())
    assert len(ids) == 6 and not list(suite_dir.glob("*/model.safetensors"))
    keeping = tiny_suite(2, lambda text: text.replace("[train]\n", "[train]\nsave_model = true\n"))
    kept = runner.invoke(app, [*args[:1], str(keeping), *args[1:]])
    assert kept.exit_code == 0, kept.output
    assert "6 runs: 6 trained, 0 already complete" in kept.stderr  # same run ids, trained again to keep them
    assert sorted(p.parent.name for p in suite_dir.glob("*/model.safetensors")) == ids
    again = runner.invoke(app, [*args[:1], str(keeping), *args[1:]])
    assert "6 runs: 0 trained, 6 already complete" in again.stderr
    evaluation = evaluate_run(suite_dir / ids[0], data_dir=tmp_path / "data")
    assert evaluation.differences() == [] and evaluation.now["test"]


def test_a_damaged_run_without_a_suite_plan_names_train_as_a_way_to_redo_it(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="sl", ks=(20,))
    users = pl.DataFrame({"user": [0], "precision@20": [0.2]})
    result = RunResult(
        status="completed",
        test={"precision@20": 0.2},
        best_valid={"precision@20": 0.1},
        best_epoch=1,
        epochs=1,
        per_user=users,
    )
    directory = store(tmp_path / "runs", "train", config, result)
    (directory / "per_user.parquet").write_bytes(b"PAR1")
    report = runner.invoke(app, ["report", str(tmp_path / "runs" / "train"), "--table", "accuracy"])
    [note] = [line for line in report.stderr.splitlines() if line.startswith("note: skipped damaged run")]
    assert note.startswith(f"note: skipped damaged run {directory}: per_user.parquet cannot be read (")
    redo = "rerun `talosbench run SUITE.toml` (or the `talosbench train` that stored it) to redo it"
    assert note.endswith(redo)


def test_train_runs_of_one_cell_with_other_settings_are_told_apart_by_name(tmp_path: Path) -> None:
    users = pl.DataFrame({"user": [0], "precision@20": [0.2]})
    for lr in (0.01, 0.05):
        config = RunConfig(dataset="synthetic", loss="sl", lr=lr)
        result = RunResult(
            status="completed",
            test={"precision@20": 0.2},
            best_valid={"precision@20": 0.1},
            best_epoch=1,
            epochs=1,
            per_user=users,
        )
        store(tmp_path / "runs", "train", config, result)
    report = runner.invoke(app, ["report", str(tmp_path / "runs" / "train"), "--table", "accuracy"])
    assert report.exit_code == 0, report.output
    [note] = report.stderr.splitlines()
    assert "trained with different settings (lr 0.01 / 0.05)" in note
    assert note.endswith("(runs of `talosbench train`: store each setting under its own --name)")
