"""The cost model against a computation by hand on fixed bench figures."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from talosbench.bench import BenchResult, save_results
from talosbench.bench.cost import (
    NEGATIVE_WORK,
    POSITIVE_WORK,
    SPARSE_TABLE_WORK,
    TRAIN_SHARE,
    Sizes,
    dataset_sizes,
    estimate_run_seconds,
    run_cost,
)
from talosbench.config import RunConfig
from talosbench.data import prepare_dataset

# At 2000 items and 1024 negatives the CPU scorer takes its sparse path at both sizes below.
REF = BenchResult(
    scale="calibration",
    backbone="mf",
    loss="sl",
    device="cpu",
    negatives=1024,
    n_users=1000,
    n_items=2000,
    n_train_rows=5000,
    epochs=1,
    train_seconds_per_epoch=0.5,
    eval_seconds=0.01,
    rows_per_second=10000.0,
    host_peak_bytes=1e8,
    device_peak_bytes=None,
    threads=2,
)


def sparse_work(items: int, negatives: int, table: float = SPARSE_TABLE_WORK) -> float:
    return 2 * NEGATIVE_WORK * negatives + table * items


def test_an_mf_run_scales_its_losss_figure_in_rows_and_per_row_work(tmp_path: Path) -> None:
    save_results([REF], tmp_path)
    sizes = Sizes(users=4000, items=3000, train_rows=80_000, published=True)
    cost = run_cost(sizes, "mf", "sl", 512, 1024, "cpu", tmp_path)
    assert cost is not None
    per_row = 0.5 / 5000
    expected = per_row * 80_000 * sparse_work(3000, 512) / sparse_work(2000, 1024)
    assert cost.epoch == pytest.approx(expected)
    assert cost.evaluation == pytest.approx(0.01 * (4000 * 3000) / (1000 * 2000))
    assert cost.adversarial == 0.0
    assert estimate_run_seconds(80_000, 3000, "mf", "sl", 512, 7, "cpu", data_dir=tmp_path) == pytest.approx(
        7 * expected
    )


def test_a_loss_that_scores_positives_costs_more_per_row_on_denser_data(tmp_path: Path) -> None:
    save_results([REF, replace(REF, loss="talos")], tmp_path)
    sparse, dense = (Sizes(users=u, items=2000, train_rows=5000, published=False) for u in (1000, 100))
    costs = {
        (loss, sizes.users): run_cost(sizes, "mf", loss, None, 1024, "cpu", tmp_path)
        for loss in ("sl", "talos")
        for sizes in (sparse, dense)
    }
    sl, sl_denser = costs["sl", 1000], costs["sl", 100]
    assert sl is not None and sl_denser is not None and sl.epoch == sl_denser.epoch  # the same rows and items
    talos, denser = costs["talos", 1000], costs["talos", 100]
    assert talos is not None and denser is not None and talos.epoch == pytest.approx(0.5)
    growth = (sparse_work(2000, 1024) + POSITIVE_WORK * 50) / (sparse_work(2000, 1024) + POSITIVE_WORK * 5)
    assert denser.epoch == pytest.approx(0.5 * growth)


def test_a_graph_backbone_adds_one_propagation_per_batch_and_per_pass(tmp_path: Path) -> None:
    graph = replace(REF, backbone="lightgcn", train_seconds_per_epoch=0.8)
    talos = replace(REF, loss="talos", train_seconds_per_epoch=0.6)
    save_results([REF, graph, talos], tmp_path)
    sizes = Sizes(users=4000, items=3000, train_rows=80_000, published=False)
    cost = run_cost(sizes, "lightgcn", "talos", None, 2048, "cpu", tmp_path)
    assert cost is not None
    # LightGCN's propagation: 0.3 s over the figure's 5 batches, each over 5000 + 1000 + 2000 nodes, edges.
    per_unit = 0.3 / math.ceil(5000 / 1024) / (5000 + 1000 + 2000)
    propagation = per_unit * (80_000 + 4000 + 3000)
    # Talos scores its users' positives too: 5 per row in the figure (5000 rows, 1000 users), 20 here.
    talos_work = (
        0.6
        / 5000
        * 80_000
        * (sparse_work(3000, 1024) + POSITIVE_WORK * 20)
        / (sparse_work(2000, 1024) + POSITIVE_WORK * 5)
    )
    assert cost.epoch == pytest.approx(talos_work + propagation * math.ceil(80_000 / 2048))
    assert cost.evaluation == pytest.approx(0.01 * 6 + propagation)
    # Without MF's figure of the loss the backbone's own figure is scaled as MF's would be.
    assert run_cost(sizes, "lightgcn", "bpr", None, 2048, "cpu", tmp_path) is None
    save_results([replace(graph, loss="bpr", negatives=1, train_seconds_per_epoch=0.2)], tmp_path)
    alone = run_cost(sizes, "lightgcn", "bpr", None, 2048, "cpu", tmp_path)
    assert alone is not None
    # One negative: the scorer scores the sampled columns only, whose work does not grow with the items.
    assert alone.epoch == pytest.approx(0.2 / 5000 * 80_000)


def test_figures_of_another_device_price_nothing(tmp_path: Path) -> None:
    save_results([replace(REF, device="NVIDIA H100")], tmp_path)
    assert run_cost(Sizes(10, 2000, 5000, False), "mf", "sl", None, 1024, "cpu", tmp_path) is None


def test_sizes_are_the_catalogs_until_the_dataset_is_prepared_then_its_own(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="sl")
    assert dataset_sizes(config, tmp_path) == Sizes(947, 493, int(29_452 * TRAIN_SHARE), published=True)
    overridden = RunConfig(dataset="synthetic", loss="sl", preprocess={"n_users": 150})
    assert dataset_sizes(overridden, tmp_path) is None  # the catalog's sizes hold for its own settings
    small = {"n_users": 150, "n_items": 90, "n_interactions": 4000}
    prepare_dataset("synthetic", data_dir=tmp_path, preprocess=small)
    prepared = dataset_sizes(RunConfig(dataset="synthetic", loss="sl", preprocess=small), tmp_path)
    assert prepared is not None and not prepared.published and prepared.users <= 150
    assert dataset_sizes(RunConfig(dataset="nowhere", loss="sl"), tmp_path) is None


def test_a_second_figure_with_other_negatives_separates_a_batchs_fixed_cost(tmp_path: Path) -> None:
    few = replace(REF, scale="calibration-few", negatives=64, train_seconds_per_epoch=0.2)
    save_results([REF, few], tmp_path)
    # Through both figures: 5000 rows in 5 batches, 0.5 s at 1024 negatives and 0.2 s at 64.
    per_work = (0.5 - 0.2) / (5000 * (sparse_work(2000, 1024) - sparse_work(2000, 64)))
    per_batch = (0.5 - per_work * 5000 * sparse_work(2000, 1024)) / 5
    assert per_batch > 0
    sizes = Sizes(users=4000, items=3000, train_rows=80_000, published=True)
    cost = run_cost(sizes, "mf", "sl", 256, 2048, "cpu", tmp_path)
    assert cost is not None
    assert cost.epoch == pytest.approx(per_work * sparse_work(3000, 256) * 80_000 + per_batch * 40)
    at_figures = Sizes(users=1000, items=2000, train_rows=5000, published=False)
    for negatives, seconds in ((1024, 0.5), (64, 0.2)):  # the fit goes through both figures
        priced = run_cost(at_figures, "mf", "sl", negatives, 1024, "cpu", tmp_path)
        assert priced is not None and priced.epoch == pytest.approx(seconds)
    # Timing noise that puts the fewer negatives' epoch above the default's: per-row work alone.
    save_results([replace(few, train_seconds_per_epoch=0.6)], tmp_path)
    alone = run_cost(sizes, "mf", "sl", 256, 2048, "cpu", tmp_path)
    assert alone is not None
    assert alone.epoch == pytest.approx(
        0.5 / 5000 * 80_000 * sparse_work(3000, 256) / sparse_work(2000, 1024)
    )


def test_a_wide_figure_measures_what_each_item_adds_to_a_row(tmp_path: Path) -> None:
    # Epochs built from 2 ns per unit of work with 1.5 units per item, and 0.1 s per batch (5 batches).
    def seconds(items: int, negatives: int) -> float:
        return 2e-9 * 5000 * sparse_work(items, negatives, 1.5) + 0.1 * 5

    narrow = replace(REF, train_seconds_per_epoch=seconds(2000, 1024))
    few = replace(REF, scale="calibration-few", negatives=64, train_seconds_per_epoch=seconds(2000, 64))
    wide = replace(
        REF, scale="calibration-wide", n_items=16_000, train_seconds_per_epoch=seconds(16_000, 1024)
    )
    save_results([narrow, few], tmp_path)
    sizes = Sizes(users=4000, items=40_000, train_rows=80_000, published=True)
    without = run_cost(sizes, "mf", "sl", None, 1024, "cpu", tmp_path)
    save_results([wide], tmp_path)
    cost = run_cost(sizes, "mf", "sl", None, 1024, "cpu", tmp_path)
    assert cost is not None and without is not None
    assert cost.epoch == pytest.approx(2e-9 * 80_000 * sparse_work(40_000, 1024, 1.5) + 0.1 * 79)
    assert without.epoch < 0.7 * cost.epoch  # SPARSE_TABLE_WORK, 0.25 per item: too cheap here
    # Timing noise that makes the wide catalogue no dearer: the constant again.
    save_results([replace(wide, train_seconds_per_epoch=narrow.train_seconds_per_epoch * 0.9)], tmp_path)
    assert run_cost(sizes, "mf", "sl", None, 1024, "cpu", tmp_path) == without
