"""Figures are sized for a two-column paper and written where ``Figures`` says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talosbench.report.figures import Figures
from talosbench.report.figures.canvas import COLUMN_WIDTH, PAGE_WIDTH
from talosbench.report.figures.curves import histories, validation_bands, validation_curves
from talosbench.report.figures.scatter import accuracy_time

from .conftest import final_runs


def test_figures_are_sized_for_a_paper_column(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    final = final_runs(golden)
    out = Figures(tmp_path)
    validation_curves(histories(final), "precision@20", out, "talos")
    accuracy_time(final, "precision@20", out, "talos")
    column = [fig.get_size_inches()[0] for fig in drawn]
    drawn.clear()
    validation_bands(histories(final), "precision@20", out, "talos")  # a panel per loss
    assert column and all(width == COLUMN_WIDTH for width in column)
    assert drawn and all(fig.get_size_inches()[0] <= PAGE_WIDTH for fig in drawn)


def test_a_figure_file_is_named_by_its_parts_with_the_prefix_and_format(tmp_path: Path) -> None:
    out = Figures(tmp_path, "svg", "quick-")
    expected = tmp_path / "quick-valid_precisionat20_ml_1m_mf.svg"  # '@' spelled out, a space replaced
    assert out.path("valid", "precision@20", "ml 1m", "mf") == expected
