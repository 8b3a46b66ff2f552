"""The threshold line beside Table A.4: the variants at the selected epoch, and how far the mean moved."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from talosbench.metrics import THRESHOLD_VARIANTS
from talosbench.report.table import Runs
from talosbench.report.thresholds import SHOWN, threshold_note


def runs(tmp_path: Path, histories: list[dict[str, list[float]]], best: int = 10) -> Runs:
    rows = []
    for seed, columns in enumerate(histories, start=1):
        folder = tmp_path / f"run{seed}"
        folder.mkdir()
        pl.DataFrame({"epoch": [5, 10, 15], **columns}).write_parquet(folder / "history.parquet")
        rows.append({"seed": seed, "status": "completed", "path": str(folder), "best_epoch": best})
    return Runs(pl.DataFrame(rows), len(rows))


def test_the_variants_shown_are_those_the_metrics_log() -> None:
    assert set(SHOWN) == {"threshold_error", *THRESHOLD_VARIANTS}


def test_means_over_seeds_at_each_selected_epoch(tmp_path: Path) -> None:
    first = {"valid_threshold_error": [0.3, 0.1, 0.2], "valid_mean_threshold": [1.0, 2.0, 2.0]}
    second = {"valid_threshold_error": [0.3, 0.3, 0.2], "valid_mean_threshold": [-1.0, -1.5, -3.0]}
    note = threshold_note("d/s/b/l", runs(tmp_path, [first, second]))
    # error (0.1 + 0.3) / 2; moved (+100 % - 50 %) / 2 before, (0 % - 100 %) / 2 after
    assert note == (
        "d/s/b/l threshold at the selected epoch (validation users, mean of 2 seeds): error 0.2000; "
        "the mean threshold moved +25.0 % over the validation interval before it and -50.0 % from it "
        "to the last validation."
    )


def test_runs_that_logged_no_threshold_give_no_line(tmp_path: Path) -> None:
    assert threshold_note("x", runs(tmp_path, [{"valid_precision@20": [0.1, 0.2, 0.3]}])) is None
