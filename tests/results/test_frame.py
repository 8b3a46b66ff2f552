"""``collect``: one typed row per complete run, fixed columns, damaged runs reported and left out."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from talosbench.config import RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.frame import collect, metric_sort_key, point_columns

from .conftest import write_demo


def test_collect_columns_and_values(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="talos", seed=7, lr=0.01, loss_params={"k": 50})
    directory = write_demo(tmp_path, config, tuning={"point": {"k": 50}, "budget": 4}, role="trial")
    frame = collect(tmp_path)
    row = frame.row(0, named=True)
    assert row["loss"] == "talos@50" and row["loss_name"] == "talos" and row["role"] == "trial"
    assert row["suite"] == "demo" and row["seed"] == 7 and row["run_id"] == config.run_id
    assert row["test_precision@20"] == 0.25 and row["valid_precision@20"] == 0.3
    assert json.loads(row["params"])["lr"] == 0.01 and json.loads(row["params"])["loss_params"] == {"k": 50}
    assert row["point.k"] == 50 and frame.schema["point.k"] == pl.Int64 and row["tuning_budget"] == 4
    assert point_columns(frame) == ["point.k"]
    assert frame.columns.index("point.k") == frame.columns.index("tuning_grid") + 1
    assert row["host_peak_bytes"] == 1024 and row["device_peak_bytes"] is None
    assert row["threshold_error"] == 0.01 and row["mean_threshold"] is None
    assert row["path"] == str(directory)
    # A single suite directory is accepted as well as the root.
    assert collect(tmp_path / "demo").height == 1
    assert frame.columns.index("test_precision@20") < frame.columns.index("test_recall@20")


def test_collect_empty_has_fixed_columns(tmp_path: Path) -> None:
    frame = collect(tmp_path)
    assert frame.height == 0 and point_columns(frame) == []
    assert {"run_id", "loss", "loss_name", "params", "wall_seconds", "mean_neg_score", "path"} <= set(
        frame.columns
    )


def test_collect_leaves_unfinished_runs_out(tmp_path: Path) -> None:
    write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1))
    unfinished = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (unfinished / "result.json").unlink()
    assert collect(tmp_path)["seed"].to_list() == [1]


def test_collect_missing_dir_and_corrupt_marker(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="does not exist"):
        collect(tmp_path / "nope")
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    (directory / "result.json").write_text("{not json")
    with pytest.raises(DamagedRunError, match=r"result.json cannot be read .* to redo the run"):
        collect(tmp_path)


def test_a_damaged_run_is_passed_on_and_left_out(tmp_path: Path) -> None:
    kept = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1))
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2))
    (directory / "per_user.parquet").write_bytes(b"PAR1")
    damaged: list[DamagedRunError] = []
    assert collect(tmp_path, on_damaged=damaged.append)["path"].to_list() == [str(kept)]
    assert [error.directory for error in damaged] == [directory]


def test_metrics_sort_by_family_then_cut_off() -> None:
    names = ["test_hit@5", "test_ndcg@20", "test_recall@5", "test_precision@20", "test_ndcg@5", "custom"]
    assert sorted(names, key=metric_sort_key) == [
        "test_precision@20",
        "test_recall@5",
        "test_ndcg@5",
        "test_ndcg@20",
        "test_hit@5",
        "custom",
    ]


@pytest.mark.parametrize("key", ["seed", "dataset"])
def test_a_run_that_does_not_record_its_cell_or_seed_is_damaged(tmp_path: Path, key: str) -> None:
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    for name in ("config.json", "result.json"):
        data = json.loads((directory / name).read_text())
        data.pop(key, None)
        data.get("cell", {}).pop(key, None)
        (directory / name).write_text(json.dumps(data))
    damaged: list[DamagedRunError] = []
    assert collect(tmp_path, on_damaged=damaged.append).is_empty()
    assert [error.problem for error in damaged] == [
        f"result.json and config.json do not record the run's {key}"
    ]


@pytest.mark.parametrize(
    ("split", "problem"),
    [
        (1, "split is int, not a table"),
        ({"users": 5}, "split.users is not a table of counts"),
        ({"sizes": {"test": "many"}}, "split.sizes is not a table of counts"),
        ({"dropped_cold": {"test": True}}, "split.dropped_cold is not a table of counts"),
    ],
)
def test_split_diagnostics_that_no_run_writes_make_the_run_damaged(
    tmp_path: Path, split: object, problem: str
) -> None:
    directory = write_demo(tmp_path, RunConfig(dataset="synthetic"))
    data = json.loads((directory / "result.json").read_text())
    (directory / "result.json").write_text(json.dumps({**data, "split": split}))
    damaged: list[DamagedRunError] = []
    assert collect(tmp_path, on_damaged=damaged.append).is_empty()
    assert len(damaged) == 1 and problem in damaged[0].problem
    good = {"users": {"valid": 3}, "sizes": {"test": 9}, "fractions": {"test": 0.5}}
    (directory / "result.json").write_text(json.dumps({**data, "split": good}))
    assert json.loads(collect(tmp_path)["split"][0]) == good
