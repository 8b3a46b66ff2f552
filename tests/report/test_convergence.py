"""The convergence table: each measure against an independent computation, on a common epoch range,
roughness net of the validation noise, bootstrap intervals over runs."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from talosbench import results
from talosbench.config import RunConfig, RunResult
from talosbench.report import build_tables
from talosbench.report.convergence import roughness
from talosbench.report.table import Table
from talosbench.results import collect

VALID_USERS = 50
SEEDS = (1, 2, 3, 4)
STOPS = {1: 10, 2: 14, 3: 20, 4: 20}
"""The last epoch of each seed: seed 1 stopped first, so the common range ends at epoch 10."""
ZIGZAG = {1: 0.004, 2: 0.010, 3: 0.002, 4: 0.006}
"""Each seed's zig-zag amplitude around its straight rise."""


def _curve(seed: int) -> list[tuple[int, float]]:
    """Validation every 2 epochs: a rise, a seed offset, a zig-zag; beyond epoch 10 a wild swing that
    the common range must leave out."""
    points = []
    for epoch in range(2, STOPS[seed] + 1, 2):
        value = 0.05 + 0.004 * epoch + 0.003 * seed + ZIGZAG[seed] * (-1) ** (epoch // 2)
        points.append((epoch, value + (0.2 if epoch > 10 else 0.0)))
    return points


def _per_user(seed: int) -> pl.DataFrame:
    users = list(range(30))
    return pl.DataFrame({"user": users, "precision@20": [((u * 7 + seed) % 11) / 200 for u in users]})


def _store(root: Path) -> Path:
    for seed in SEEDS:
        curve = dict(_curve(seed))
        history = pl.DataFrame(
            {
                "epoch": list(range(1, STOPS[seed] + 1)),
                "train_loss": [1.0] * STOPS[seed],
                "valid_precision@20": [curve.get(e) for e in range(1, STOPS[seed] + 1)],
            },
            schema_overrides={"valid_precision@20": pl.Float64},
        )
        config = RunConfig(dataset="ml", scenario="iid", loss="sl", seed=seed)
        result = RunResult(
            status="completed",
            test={"precision@20": 0.2 + 0.01 * seed**2},
            best_valid={"precision@20": max(curve.values())},
            best_epoch=4 + 2 * seed,
            epochs=STOPS[seed],
            history=history,
            per_user=_per_user(seed),
            timings={"train_seconds_per_epoch": 1.0, "eval_seconds": 0.1, "wall_seconds": 10.0},
            split={"users": {"train": 60, "valid": VALID_USERS, "test": 30}},
        )
        cell = {"dataset": "ml", "scenario": "iid", "backbone": "mf", "loss": "sl"}
        results.write_run(
            results.run_dir(root, "conv", config.run_id), config, result, suite="conv", cell=cell
        )
    return root / "conv"


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Table:
    (found,) = build_tables(collect(_store(tmp_path_factory.mktemp("runs"))), ["convergence"])
    return found


def _records(table: Table) -> dict[str, dict]:
    """Each measure's record, its interval (its ``_low`` and ``_high`` records) as ``low``, ``high``."""
    found = {r["metric"]: r for r in table.records}
    return {
        name: {**r, "low": found[f"{name}_low"]["value"], "high": found[f"{name}_high"]["value"]}
        for name, r in found.items()
        if f"{name}_low" in found
    }


def _common() -> list[list[float]]:
    """Each seed's values on the common range, computed apart: epochs 2..10 (seed 1's last)."""
    return [[v for e, v in _curve(seed) if e <= min(STOPS.values())] for seed in SEEDS]


def _bootstrap(values: list, statistic) -> tuple[float, float]:
    """A percentile bootstrap over runs written out as a loop: 4000 draws from a generator seeded 0."""
    draws = np.random.default_rng(0).integers(0, len(values), (4000, len(values)))
    found = [statistic([values[i] for i in row]) for row in draws]
    return float(np.quantile(found, 0.025)), float(np.quantile(found, 0.975))


def _band(rows: list[list[float]]) -> float:
    epochs = range(len(rows[0]))
    spread = [statistics.stdev(row[e] for row in rows) for e in epochs]
    peak = max(statistics.fmean(row[e] for row in rows) for e in epochs)
    return statistics.fmean(spread) / peak


def _net_roughness(row: list[float], seed: int) -> float:
    var_u = statistics.variance(_per_user(seed)["precision@20"].to_list())
    noise = var_u / VALID_USERS
    residuals = [row[i] - (row[i - 1] + row[i] + row[i + 1]) / 3 for i in range(1, len(row) - 1)]
    square = statistics.fmean(r**2 for r in residuals) - (4 + 1 + 1) / 9 * noise
    return math.sqrt(max(square, 0)) / max(row)


def test_the_seed_band_is_taken_on_the_common_epoch_range(table: Table) -> None:
    record = _records(table)["seed_band"]
    assert record["value"] == pytest.approx(_band(_common()))
    # Band of every epoch reached by 2 seeds (the old rule) would include the +0.2 swing after epoch 10.
    assert record["value"] < 0.1
    assert (record["low"], record["high"]) == pytest.approx(_bootstrap(_common(), _band))


def test_roughness_is_net_of_the_validation_noise_on_the_common_range(table: Table) -> None:
    record = _records(table)["roughness"]
    each = [_net_roughness(row, seed) for row, seed in zip(_common(), SEEDS, strict=True)]
    assert min(each) > 0 and record["value"] == pytest.approx(statistics.fmean(each))
    assert (record["low"], record["high"]) == pytest.approx(_bootstrap(each, statistics.fmean))
    # The smallest zig-zag (seed 3) is the one the noise floor takes most off.
    assert each[2] < 0.8 * roughness(_common()[2])  # type: ignore[operator]


def test_test_std_and_best_epoch_have_their_intervals(table: Table) -> None:
    records = _records(table)
    tests = [0.2 + 0.01 * seed**2 for seed in SEEDS]
    assert records["test_std"]["value"] == pytest.approx(statistics.stdev(tests))
    expected = _bootstrap(tests, statistics.stdev)
    assert (records["test_std"]["low"], records["test_std"]["high"]) == pytest.approx(expected)
    epochs = [4 + 2 * seed for seed in SEEDS]
    best = records["best_epoch_mean"]
    assert best["value"] == statistics.fmean(epochs)
    assert (best["low"], best["high"]) == pytest.approx(_bootstrap(epochs, statistics.fmean))
    row = dict(zip(table.columns, (c.text for c in table.rows[0]), strict=True))
    low, high = _bootstrap(tests, statistics.stdev)
    assert row["test precision@20 std"] == f"{statistics.stdev(tests):.4f} [{low:.4f}, {high:.4f}]"
    assert row["best epoch"].startswith("9.0 ± 2.6 [6–12] (")


def test_the_output_is_the_same_every_time(tmp_path: Path, table: Table) -> None:
    (again,) = build_tables(collect(_store(tmp_path)), ["convergence"])
    assert [[c.text for c in row] for row in again.rows] == [[c.text for c in row] for row in table.rows]


def test_roughness_ignores_the_decline_early_stopping_waits_for() -> None:
    # A clean rise, a peak, then the steady decline that patience waits out: only the peak bends.
    peaked = [0.1, 0.2, 0.3, 0.4, 0.35, 0.3, 0.25, 0.2]
    assert roughness(peaked) == pytest.approx(abs(2 * 0.4 - 0.3 - 0.35) / 3 / math.sqrt(6) / 0.4)
    assert roughness([0.1, 0.2, 0.3, 0.4]) == pytest.approx(0.0)
    assert roughness([1.0, 2.0, 1.0, 2.0]) == pytest.approx((2 / 3) / 2)  # a zig-zag
    assert roughness([0.1, 0.2]) is None


def test_roughness_within_the_noise_floor_is_zero() -> None:
    zigzag = [1.0, 2.0, 1.0, 2.0]  # residuals ±2/3: mean square 4/9
    assert roughness(zigzag, noise=4 / 9 / (2 / 3)) == 0.0
    assert roughness(zigzag, noise=10.0) == 0.0  # floored, never negative
    assert roughness(zigzag, noise=1 / 3) == pytest.approx(math.sqrt(4 / 9 - 2 / 9) / 2)


def test_the_golden_suite(golden: Path) -> None:
    (table,) = build_tables(collect(golden), ["convergence"])
    rows = {
        tuple(c.text for c in row[:4]): dict(zip(table.columns, (c.text for c in row), strict=True))
        for row in table.rows
    }
    talos = rows[("ml", "iid", "mf", "talos")]
    # valid = 0.1 + slope * epoch + 0.005 * seed: the seeds are 0.005 apart at every epoch (std 0.005)
    # and the seed-mean curve peaks at 0.1 + 20 * slope + 0.01.
    assert talos["seed band (% of peak)"].startswith(f"{100 * 0.005 / 0.35:.2f}% [")
    # The golden runs record no validation user count: the noise floor is unknown, so no roughness.
    assert talos["roughness (% of peak)"] == "–"
    assert talos["best epoch"].startswith("12.0 ± 1.0 [11–13]") and talos["test precision@20 std"].startswith(
        "0.0100 ["
    )
    bpr = rows[("ml", "temporal", "mf", "bpr")]
    assert bpr["failed"] == "1" and bpr["diverged"] == "0" and bpr["test precision@20 std"] == "–"
    assert bpr["seed band (% of peak)"] == "–"  # one completed seed: no spread across seeds


def test_the_noise_floor_of_a_run_whose_per_user_values_are_missing_is_unknown(tmp_path: Path) -> None:
    from talosbench.report.convergence import noise_variance

    split = json.dumps({"users": {"valid": 10}})
    for values in ([None, None], [0.5, None], [float("nan"), 0.1]):
        pl.DataFrame({"precision@20": values}, schema={"precision@20": pl.Float64}).write_parquet(
            tmp_path / "per_user.parquet"
        )
        assert math.isnan(noise_variance(str(tmp_path), split, "precision@20"))
    pl.DataFrame({"precision@20": [0.0, 0.5, None]}).write_parquet(tmp_path / "per_user.parquet")
    assert noise_variance(str(tmp_path), split, "precision@20") == pytest.approx(0.125 / 10)
