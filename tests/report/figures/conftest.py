"""Figures drawn from the golden results (``tests/report/conftest.py``) and kept open for inspection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from talosbench.report.figures import Figures
from talosbench.report.scope import gather


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The figures the plot functions draw, kept open instead of saved."""
    pytest.importorskip("matplotlib")
    figures: list[Any] = []

    def keep(self: Figures, fig: Any, *parts: str) -> Path:
        figures.append(fig)
        return self.path(*parts)

    monkeypatch.setattr(Figures, "save", keep)
    yield figures
    import matplotlib.pyplot as plt

    plt.close("all")


def final_runs(golden: Path, seeds: tuple[int, ...] = (1, 2, 3)) -> pl.DataFrame:
    """The golden suite's final runs of ``seeds``."""
    frame = gather(golden).frame
    return frame.filter((pl.col("role") == "final") & pl.col("seed").is_in(seeds))
