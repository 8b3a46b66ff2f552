"""Curves against epoch: whole-number epoch ticks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from talosbench.report.figures import Figures
from talosbench.report.figures.curves import histories, threshold_curves, validation_bands, validation_curves

from .conftest import final_runs


def test_epoch_ticks_are_whole_numbers(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    # A short run (validated at epochs 1-4): a default axis would put ticks at 1.5, 2.5, ...
    short = histories(final_runs(golden)).filter(pl.col("epoch") % 5 == 0)
    short = short.with_columns(pl.col("epoch") // 5)
    out = Figures(tmp_path)
    validation_curves(short, "precision@20", out, "talos")
    validation_bands(short, "precision@20", out, "talos")
    threshold_curves(short, out, "talos")
    axes = [ax for fig in drawn for ax in fig.axes if ax.get_visible()]
    assert axes
    for ax in axes:
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
