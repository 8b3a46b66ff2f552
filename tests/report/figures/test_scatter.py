"""Accuracy against training time: a log time axis whose tick labels never collide."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from talosbench.report.figures import Figures
from talosbench.report.figures.scatter import accuracy_time

from .conftest import final_runs


@pytest.mark.parametrize(
    "seconds",
    [
        (
            0.03,
            0.1,
            0.35,
        ),  # just over a decade: where matplotlib labels minor ticks, "3 × 10⁻¹" on "4 × 10⁻¹"
        (0.05, 0.2, 1.12),  # the quick suite's span
        (0.004, 0.3, 0.9),  # two and a half decades
        (0.001, 1.0, 900.0),  # six decades
    ],
)
def test_log_time_ticks_are_distinct_and_never_overlap(
    golden: Path, drawn: list[Any], tmp_path: Path, seconds: tuple[float, float, float]
) -> None:
    cost = dict(zip(("bpr", "sl", "talos"), seconds, strict=True))
    final = final_runs(golden).with_columns(
        train_seconds_per_epoch=pl.col("loss").replace_strict(cost, return_dtype=pl.Float64)
    )
    accuracy_time(final, "precision@20", Figures(tmp_path), "talos")
    assert drawn
    for fig in drawn:
        renderer = fig.canvas.get_renderer()
        fig.draw(renderer)
        ax = fig.axes[0]
        assert ax.get_xscale() == "log"
        low, high = ax.get_xlim()
        labels = [
            label
            for label in [*ax.xaxis.get_majorticklabels(), *ax.xaxis.get_minorticklabels()]
            if label.get_visible() and label.get_text() and low <= label.get_position()[0] <= high
        ]
        texts = [label.get_text() for label in labels]
        assert len(labels) >= 2 and len(set(texts)) == len(texts), texts
        boxes = sorted((label.get_window_extent(renderer) for label in labels), key=lambda box: box.x0)
        for left, right in pairwise(boxes):
            assert left.x1 < right.x0, texts  # apart, not touching
