"""The dry run prices the remaining runs from stored bench figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from talosbench.bench import (
    TRAIN_SHARE,
    BenchResult,
    PlanEstimate,
    estimate_plan,
    estimate_run_seconds,
    save_results,
)
from talosbench.bench.estimate import SETUP_SECONDS
from talosbench.cli.run import describe_estimate
from talosbench.config import RunResult
from talosbench.data import prepare_dataset
from talosbench.data.summary import dataset_summary
from talosbench.results import run_dir, write_run
from talosbench.runner.status import describe
from talosbench.suite import Suite, load_suite

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
        scale="s",
        backbone="mf",
        loss=loss,
        device="cpu",
        negatives=1024,
        n_users=150,
        n_items=90,
        n_train_rows=2000,
        epochs=3,
        train_seconds_per_epoch=seconds,
        eval_seconds=0.1,
        rows_per_second=2000 / seconds,
        host_peak_bytes=1e8,
        device_peak_bytes=None,
        threads=2,
    )


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
    assert (estimate.stored, estimate.benched, estimate.uncalibrated) == (0, 3, 3)
    assert estimate.source.startswith("bench figures of this device measured ")

    stats = dataset_summary("synthetic", tmp_path, SIZE)["stats"]
    per_epoch = estimate_run_seconds(
        int(stats["interactions"] * TRAIN_SHARE), stats["items"], "mf", "sl", 16, 1, "cpu", data_dir=tmp_path
    )
    assert per_epoch is not None and per_epoch > 0
    # At the epoch cap: start-up, 10 epochs, every validation, the one after the cap and the test pass.
    eval_pass = 0.1 * (stats["users"] * stats["items"]) / (150 * 90)
    passes = 10 // cells[0].plan.first_config().eval_every + 2
    slowest = SETUP_SECONDS + 10 * per_epoch + passes * eval_pass
    assert estimate.high == pytest.approx(3 * slowest)
    assert estimate.low <= estimate.seconds <= estimate.high
    assert estimate.high > 3 * 10 * per_epoch  # training alone was what the old estimate priced


def store(root: Path, suite: Suite, seconds: dict[str, list[float]], prepare: float | None = 0.5) -> None:
    """Fabricated complete runs of ``suite``: each loss's seeds took ``seconds`` (wall, before prepare)."""
    for status in describe(suite, root):
        for job, wall in zip(status.plan.finals(), seconds.get(status.plan.cell.loss, []), strict=False):
            timings = {"train_seconds_per_epoch": 0.1, "wall_seconds": wall}
            if prepare is not None:
                timings["prepare_seconds"] = prepare
            result = RunResult(
                status="completed", epochs=4, timings=timings, device="cpu", test={"precision@20": 0.1}
            )
            write_run(
                run_dir(root, suite.name, job.run_id),
                job.config,
                result,
                suite=suite.name,
                cell=job.cell.key(),
            )


def test_stored_runs_of_a_cell_price_its_remaining_runs_with_their_range(tmp_path: Path) -> None:
    path = tmp_path / "priced.toml"
    path.write_text(SUITE, encoding="utf-8")
    suite = load_suite(path)
    root = tmp_path / "runs"
    store(root, suite, {"sl": [4.0, 6.0], "talos": [10.5]})  # seed 3 of sl, seeds 2 and 3 of talos remain
    estimate = estimate_plan(describe(suite, root), data_dir=tmp_path, results_dir=root)
    assert (estimate.priced, estimate.unpriced, estimate.stored, estimate.benched) == (3, 0, 3, 0)
    assert estimate.source == "3 stored runs of this suite"
    assert estimate.seconds == pytest.approx(5.5 + 2 * 11.0)  # median of sl's (4.5, 6.5), talos's 11 twice
    assert (estimate.low, estimate.high) == pytest.approx((4.5 + 2 * 11.0, 6.5 + 2 * 11.0))
    rerun = estimate_plan(describe(suite, root), data_dir=tmp_path, results_dir=root, force=True)
    assert rerun.priced == 6 and rerun.seconds == pytest.approx(3 * 5.5 + 3 * 11.0)


def test_a_cell_without_stored_runs_is_priced_from_the_suites_other_runs(tmp_path: Path) -> None:
    path = tmp_path / "priced.toml"
    path.write_text(SUITE, encoding="utf-8")
    suite = load_suite(path)
    root = tmp_path / "runs"
    store(root, suite, {"sl": [2.0, 3.0, 7.0]}, prepare=None)  # recorded before prepare_seconds existed
    estimate = estimate_plan(describe(suite, root), data_dir=tmp_path, results_dir=root)
    assert (estimate.priced, estimate.unpriced, estimate.stored) == (3, 0, 3)  # talos, from sl's runs
    assert (estimate.seconds, estimate.low, estimate.high) == pytest.approx((9.0, 6.0, 21.0))
    gpu = estimate_plan(describe(suite, root, device="cuda"), data_dir=tmp_path, results_dir=root)
    assert gpu.stored == 0 and gpu.priced == 0  # CPU timings never price GPU runs


def test_describe_estimate_words_a_central_figure_and_its_range() -> None:
    estimate = PlanEstimate(40.0, 12, 0, low=25.0, high=70.0, stored=12)
    assert describe_estimate(estimate) == "about 40s (25s-1m10s), from 12 stored runs of this suite"
    assert describe_estimate(estimate, jobs=2) == "about 20s (12s-35s), from 12 stored runs of this suite"
    one = PlanEstimate(30.0, 1, 0, low=30.0, high=30.0, stored=1)
    assert describe_estimate(one) == "about 30s, from 1 stored run of this suite"


def test_a_bench_figure_with_adversarial_epochs_prices_those_its_schedule_runs(tmp_path: Path) -> None:
    path = tmp_path / "adv.toml"
    path.write_text(SUITE.replace('["sl", "talos"]', '["advinfonce"]'), encoding="utf-8")
    cells = describe(load_suite(path), tmp_path / "runs")
    prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SIZE)
    save_results([figure("advinfonce", 4.0)], tmp_path)
    without = estimate_plan(cells, data_dir=tmp_path)
    save_results([replace(figure("advinfonce", 4.0), adversarial_seconds=2.0)], tmp_path)
    priced = estimate_plan(cells, data_dir=tmp_path)
    stats = dataset_summary("synthetic", tmp_path, SIZE)["stats"]
    rows = int(stats["interactions"] * TRAIN_SHARE)
    per_epoch = estimate_run_seconds(
        rows, stats["items"], "mf", "advinfonce", 16, 1, "cpu", data_dir=tmp_path
    )
    assert per_epoch is not None
    # 10 epochs at the cap with the default schedule (T_adv 5, E_adv 5): ascents before epochs 2 and 7,
    # each half a normal epoch as the figure says; three runs (seeds) of the one cell
    assert priced.high - without.high == pytest.approx(3 * 2 * per_epoch / 2)


@pytest.mark.parametrize(
    "timings", [3.5, {"wall_seconds": "slow"}, {"wall_seconds": 2, "prepare_seconds": [1]}]
)
def test_a_stored_run_with_timings_no_run_writes_prices_nothing(tmp_path: Path, timings: object) -> None:
    import json

    from talosbench.bench.estimate import stored_timings

    path = tmp_path / "priced.toml"
    path.write_text(SUITE, encoding="utf-8")
    suite = load_suite(path)
    root = tmp_path / "runs"
    store(root, suite, {"sl": [4.0, 6.0]})
    (edited, kept) = sorted((root / "priced").glob("*/result.json"))
    data = json.loads(edited.read_text())
    data["timings"] = timings
    edited.write_text(json.dumps(data))
    assert [timing.seconds for timing in stored_timings(root, "priced")] == [
        json.loads(kept.read_text())["timings"]["wall_seconds"] + 0.5
    ]
