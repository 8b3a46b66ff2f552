"""Curves against epoch: whole-number epoch ticks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from talosbench.report.figures import Figures
from talosbench.report.figures.canvas import groups
from talosbench.report.figures.curves import (
    OVERLAY_LOSSES,
    histories,
    threshold_curves,
    validation_bands,
    validation_curves,
)

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


def _more_losses(curves: pl.DataFrame, count: int) -> pl.DataFrame:
    """``curves`` with extra losses: copies of SL's runs under other names (``extra-1``, ...)."""
    sl = curves.filter(pl.col("loss") == "sl")
    copies = [sl.with_columns(loss=pl.lit(f"extra-{i}")) for i in range(1, count - 2)]
    return pl.concat([curves, *copies], how="diagonal_relaxed")


def test_many_losses_get_one_panel_each_and_no_overlay(
    golden: Path, drawn: list[Any], tmp_path: Path
) -> None:
    curves = _more_losses(histories(final_runs(golden)), OVERLAY_LOSSES + 2)
    out = Figures(tmp_path)
    assert validation_curves(curves, "precision@20", out, "talos") == []  # the tangle is not drawn
    assert validation_bands(curves, "precision@20", out, "talos")
    cells = groups(curves)
    assert len(drawn) == len(cells)
    for fig, (_, cell) in zip(drawn, cells, strict=True):
        titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
        assert sorted(titles) == sorted(cell["loss"].unique()) and len(titles) > OVERLAY_LOSSES


def test_few_losses_share_one_panel_with_visible_seed_bands(
    golden: Path, drawn: list[Any], tmp_path: Path
) -> None:
    curves = histories(final_runs(golden))
    assert curves["loss"].n_unique() <= OVERLAY_LOSSES
    validation_curves(curves, "precision@20", Figures(tmp_path), "talos")
    assert drawn
    for fig in drawn:
        (ax,) = fig.axes
        assert {line.get_label() for line in ax.get_lines()} >= {"talos", "sl"}
        bands = ax.collections  # fill_between: one band per loss with several seeds
        assert bands and all(band.get_alpha() >= 0.25 for band in bands)
