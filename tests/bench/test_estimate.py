"""The dry run prices the remaining runs from stored bench figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.bench import TRAIN_SHARE, BenchResult, estimate_plan, estimate_run_seconds, save_results
from talosbench.data import prepare_dataset
from talosbench.data.datasets import dataset_summary
from talosbench.runner.grid import describe
from talosbench.suite import load_suite

SUITE = """
[suite]
name = "priced"
seeds = [1, 2, 3]

[train]
epochs = 10
negatives = 16
device = "cpu"

[grid]
datasets = ["synthetic"]
losses = ["sl", "talos"]

[datasets.synthetic]
n_users = 150
n_items = 90
n_interactions = 4000
"""
SIZE = {"n_users": 150, "n_items": 90, "n_interactions": 4000}


def figure(loss: str, seconds: float) -> BenchResult:
    return BenchResult(
        scale="s", backbone="mf", loss=loss, device="cpu", negatives=1024, n_users=150, n_items=90,
        n_train_rows=2000, epochs=3, train_seconds_per_epoch=seconds, eval_seconds=0.1,
        rows_per_second=2000 / seconds, host_peak_bytes=1e8, device_peak_bytes=None, threads=2,
    )  # fmt: skip


def test_dry_run_estimate_prices_priced_runs_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "priced.toml"
    path.write_text(SUITE, encoding="utf-8")
    suite = load_suite(path)
    cells = describe(suite, tmp_path / "runs")

    before = estimate_plan(cells, data_dir=tmp_path)
    assert (before.priced, before.unpriced) == (0, 6)  # nothing prepared, nothing benched

    prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SIZE)
    save_results([figure("sl", 4.0)], tmp_path)
    estimate = estimate_plan(cells, data_dir=tmp_path)
    assert (estimate.priced, estimate.unpriced) == (3, 3)  # sl has a figure, talos has none

    stats = dataset_summary("synthetic", tmp_path, SIZE)["stats"]
    one_run = estimate_run_seconds(
        int(stats["interactions"] * TRAIN_SHARE), stats["items"], "mf", "sl", 16, 10, "cpu", data_dir=tmp_path
    )
    assert one_run is not None and one_run > 0
    assert estimate.seconds == pytest.approx(3 * one_run)
