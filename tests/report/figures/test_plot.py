"""``plot_results`` (the ``plot`` command) writes valid, non-blank PNGs for every figure kind, and
shows a spread only where several seeds give one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.report.figures import Figures
from talosbench.report.figures.bars import accuracy_bars
from talosbench.report.figures.curves import histories, validation_curves
from talosbench.report.figures.scatter import accuracy_time

from .conftest import final_runs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_plot_writes_pngs(golden: Path, tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    result = CliRunner().invoke(app, ["plot", str(golden), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    names = {p.name for p in paths}
    assert names == {
        "valid_precisionat20_ml_iid_mf.png",
        "valid_precisionat20_ml_temporal_mf.png",
        "valid-seeds_precisionat20_ml_iid_mf.png",
        "valid-seeds_precisionat20_ml_temporal_mf.png",
        "train-loss_ml_iid_mf.png",
        "train-loss_ml_temporal_mf.png",
        "accuracy_precisionat20.png",
        "accuracy_recallat20.png",
        "accuracy-time_precisionat20_ml_iid_mf.png",
        "accuracy-time_precisionat20_ml_temporal_mf.png",
        "thresholds_ml_iid_mf.png",
        "thresholds_ml_temporal_mf.png",
    }
    for path in paths:
        assert path.parent == tmp_path and path.read_bytes()[:8] == PNG_MAGIC
        pixels = image.imread(path)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 300
        assert pixels[..., :3].std() > 0.05, f"{path.name} looks blank"


def test_plot_without_runs_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2 and "no complete final runs" in result.output


@pytest.mark.parametrize("seeds", [(1,), (1, 2, 3)])
def test_spread_is_drawn_only_from_several_seeds(
    golden: Path, drawn: list[Any], tmp_path: Path, seeds: tuple[int, ...]
) -> None:
    final = final_runs(golden, seeds).filter(pl.col("scenario") == "iid")
    out = Figures(tmp_path)
    validation_curves(histories(final), "precision@20", out, "talos")
    accuracy_bars(final, ["precision@20"], out, "talos")
    accuracy_time(final, "precision@20", out, "talos")
    curves, bars, costs = (fig.axes[0] for fig in drawn)
    from matplotlib.container import ErrorbarContainer

    bands = curves.collections  # fill_between's shaded areas
    # One error bar per loss in the bars, and one per loss in the accuracy-time scatter.
    errors = [c for ax in (bars, costs) for c in ax.containers if isinstance(c, ErrorbarContainer)]
    if len(seeds) == 1:
        assert not bands and not errors and "std" not in bars.get_title()
    else:
        assert len(bands) == 3 and len(errors) == 3 + 3 and "std over seeds" in bars.get_title()
