"""A dry run on a machine without bench figures measures what it needs once and prices every run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from talosbench.bench import BenchResult, load_results
from talosbench.bench.calibrate import CALIBRATION_FEW_SCALE, CALIBRATION_SCALE, FEW_NEGATIVES, needed_pairs
from talosbench.bench.cost import WIDE_SCALE
from talosbench.cli import app

FIXED = BenchResult(
    scale=CALIBRATION_SCALE,
    backbone="mf",
    loss="sl",
    device="cpu",
    negatives=1024,
    n_users=1000,
    n_items=1200,
    n_train_rows=5000,
    epochs=1,
    train_seconds_per_epoch=0.1,
    eval_seconds=0.01,
    rows_per_second=50000.0,
    host_peak_bytes=1e8,
    device_peak_bytes=None,
    threads=2,
)


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Calibration with fixed figures instead of training: the pairs it was asked to measure."""
    asked: list[tuple[str, str]] = []
    few: list[str] = []

    def fixed(
        split: Any, scale: str, backbone: str, loss: str, device: Any, negatives: int | None = None, **_: Any
    ) -> BenchResult:
        if scale == WIDE_SCALE:  # once per device: MF and the reference loss over a wide catalogue
            assert (backbone, loss, negatives) == ("mf", "sl", None)
        elif negatives is None:
            asked.append((backbone, loss))
        else:  # the second figure of a loss with MF: a batch's fixed cost is 0.05 s of the 0.1 s epoch
            assert (backbone, scale, negatives) == ("mf", CALIBRATION_FEW_SCALE, FEW_NEGATIVES)
            few.append(loss)
        seconds = 0.3 if backbone != "mf" else 0.05 + 0.05 * (negatives or 1024) / 1024
        return replace(
            FIXED,
            scale=scale,
            backbone=backbone,
            loss=loss,
            negatives=negatives or 1024,
            train_seconds_per_epoch=seconds,
        )

    monkeypatch.setattr("talosbench.bench.measure.bench_one", fixed)
    return asked


def test_graph_backbones_need_mf_with_the_loss_and_both_with_the_reference_loss() -> None:
    assert needed_pairs([("mf", "talos"), ("lightgcn", "talos"), ("xsimgcl", "bpr")]) == [
        ("mf", "talos"),
        ("mf", "sl"),
        ("lightgcn", "sl"),
        ("mf", "bpr"),
        ("xsimgcl", "sl"),
    ]


def test_the_dry_run_prices_every_run_from_a_fresh_home_and_calibrates_once(
    tmp_path: Path, measured: list[tuple[str, str]]
) -> None:
    args = ["run", "quick", "--dry-run", "--results-dir", str(tmp_path / "runs"), "--data-dir", str(tmp_path)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    last = first.output.strip().splitlines()[-1]
    assert last.startswith("estimated time of 28 run(s), one at a time: about ")
    assert "calibrated now in" in last and "at the catalog's sizes of synthetic" in last
    assert "not priced" not in first.output
    assert len(measured) == 14 and all(backbone == "mf" for backbone, _ in measured)  # one per loss
    stored = load_results(tmp_path)
    # Each loss is measured at FEW_NEGATIVES too, BPR (one by default) as well: a BPR run with many
    # negatives is priced from its two figures, not from one that is mostly per-batch cost.
    assert {r["scale"] for r in stored.values()} == {CALIBRATION_SCALE, CALIBRATION_FEW_SCALE, WIDE_SCALE}
    few = [r["loss"] for r in stored.values() if r["scale"] == CALIBRATION_FEW_SCALE]
    assert sorted(few) == sorted(loss for _, loss in measured) and len(stored) == 29

    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert len(measured) == 14  # stored: nothing measured twice
    assert "calibrated now" not in again.output and "bench figures of this device measured " in again.output
    listed = CliRunner().invoke(app, ["suites", "--json", "--data-dir", str(tmp_path)])
    quick = next(s for s in json.loads(listed.output) if s["name"] == "quick")
    assert quick["estimate"]["priced_runs"] == 28  # the listing uses what the dry run measured


def test_a_suite_with_graph_backbones_prices_each_from_its_propagation(
    tmp_path: Path, measured: list[tuple[str, str]]
) -> None:
    suite = tmp_path / "graphs.toml"
    suite.write_text(
        '[suite]\nname = "graphs"\nseeds = [1]\n[train]\ndevice = "cpu"\n'
        '[grid]\ndatasets = ["gowalla"]\nbackbones = ["mf", "lightgcn"]\nlosses = ["talos"]\n'
    )
    args = [
        "run",
        str(suite),
        "--dry-run",
        "--results-dir",
        str(tmp_path / "runs"),
        "--data-dir",
        str(tmp_path),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(measured) == [("lightgcn", "sl"), ("mf", "sl"), ("mf", "talos")]
    assert "estimated time of 2 run(s)" in result.output and "catalog's sizes of gowalla" in result.output
