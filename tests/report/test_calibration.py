"""The report's marks are calibrated: simulated sparse benchmarks, and an A/A split of real training."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from talosbench.report import build_tables, calibration, stats
from talosbench.results import collect
from talosbench.runner import run_suite
from talosbench.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
FAST = (
    calibration.Design(3_000, 3, 0.0),
    calibration.Design(150_000, 3, 0.02),
    calibration.Design(150_000, 5, 0.005),
)
"""A few rows of the published grid, the same rows as there (each row is seeded by its design)."""


@pytest.mark.parametrize("design", FAST, ids=lambda d: f"{d.users}u-{d.seeds}s-{d.shift:.1%}")
def test_marks_stay_calibrated(design: calibration.Design) -> None:
    rates = calibration.calibrate(design, calibration.SIMULATIONS)
    assert rates.within, rates
    assert rates.power[0.05] > rates.power[0.02] > rates.false_positive / 2  # marks follow real gains


def test_the_simulation_catches_an_eager_test() -> None:
    # A z-test on the seed differences (normal instead of t quantiles) overclaims with three seeds.
    def eager(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = a - b
        z = d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(d.shape[1]))
        return np.where(np.abs(z) > 1.96, np.sign(z), 0)

    rates = calibration.calibrate(calibration.Design(3_000, 3, 0.01), 2000, effects=(), mark=eager)
    assert not rates.within and rates.false_positive > 0.15


def test_run_means_are_sparse_precision_at_20() -> None:
    rng = np.random.default_rng(0)
    counts, probability = calibration.population(3_000, rng)
    assert counts.sum() == 3_000 and len(counts) == calibration.LEVELS
    assert (counts * probability).sum() / 3_000 == pytest.approx(calibration.MEAN, rel=0.15)
    assert (counts * (1 - probability) ** 20).sum() / 3_000 > 0.8  # most users never hit
    a, b = calibration.run_means(calibration.Design(3_000, 5, 0.0), 2000, 0.05, rng)
    assert a.shape == b.shape == (2000, 5)
    assert a.mean() / b.mean() == pytest.approx(1.05, abs=0.01)


@pytest.mark.slow  # the whole grid: about 30 s
def test_the_published_table_is_calibrated_and_current() -> None:
    rows = [calibration.calibrate(design, calibration.SIMULATIONS) for design in calibration.grid()]
    assert all(rates.within for rates in rows), calibration.markdown(rows)
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    shown = "\n".join(f"  {line}" for line in calibration.markdown(rows).splitlines())  # in a list item
    assert shown in protocol  # regenerate with scripts/calibrate-significance


AA_SUITE = """
[suite]
name = "aa"
seeds = [1, 2, 3, 4, 5, 6]

[train]
epochs = 20
eval_every = 2
patience = 3
negatives = 16
device = "cpu"
lr = 0.05

[eval]
metrics = ["precision"]
ks = [20]

[grid]
datasets = ["synthetic"]
losses = ["sl"]

[datasets.synthetic]
n_users = 300
n_items = 150
n_interactions = 9000

[backbones.mf]
init_std = 0.1
"""


def relabellings(runs: int = 6) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every way to call half of the runs one loss and half another, paired in every order."""
    half = runs // 2
    return [
        (left, order)
        for left in itertools.combinations(range(runs), half)
        for order in itertools.permutations([i for i in range(runs) if i not in left])
    ]


def exchangeable_rate(quantile: float, sims: int = 1500) -> float:
    """The ``quantile`` of the marked share over ``relabellings`` when the runs are exchangeable normals.

    Relabellings of the same six runs are far from independent, so the share they mark varies by
    dataset much more than a binomial would; this is the allowance of the A/A check.
    """
    configurations = relabellings()
    left = np.array([c[0] for c in configurations])
    right = np.array([c[1] for c in configurations])
    runs = np.random.default_rng(21).normal(size=(sims, 6))
    marks = calibration.report_marks(runs[:, left].reshape(-1, 3), runs[:, right].reshape(-1, 3))
    return float(np.quantile((marks != 0).reshape(sims, -1).mean(axis=1), quantile))


def test_a_a_split_of_real_training_is_marked_no_more_than_calibrated(tmp_path: Path) -> None:
    suite = tmp_path / "aa.toml"
    suite.write_text(AA_SUITE, encoding="utf-8")
    run_suite(load_suite(suite), tmp_path / "runs", data_dir=tmp_path / "data")
    frame = collect(tmp_path / "runs" / "aa").sort("seed")
    assert frame.height == 6 and frame["status"].to_list() == ["completed"] * 6
    marked, made = 0, 0
    for left, order in relabellings():
        labels = ["talos"] * 3 + ["sl"] * 3
        split = frame[[*left, *order]].with_columns(
            loss=pl.Series(labels), loss_name=pl.Series(labels), seed=pl.Series([1, 2, 3] * 2)
        )
        table = build_tables(split, ["accuracy"], ["precision@20"])[0]
        record = next(r for r in table.records if r["loss"] == "Imp.%")
        assert record["vs"] == "sl" and record["test"] == "paired t"
        marked += record["mark"] != ""
        made += 1
    allowed = exchangeable_rate(0.99)
    assert made == 120 and marked / made <= allowed, (marked, made, allowed)
    assert stats.ALPHA < allowed < 0.2  # the allowance is the calibration's, not anything goes


def test_protocol_cites_the_script_that_writes_its_table() -> None:
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert "scripts/calibrate-significance" in protocol
    assert re.search(r"\| 150,000 \| 10 \| 2\.0% \| 4,000 \|", protocol)
