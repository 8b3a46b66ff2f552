"""The ``plot`` command writes valid, non-blank PNGs for every figure kind."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench import plots
from talosbench.cli import app
from talosbench.report.scope import gather

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


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The figures the plot functions draw, kept open instead of saved."""
    pytest.importorskip("matplotlib")
    figures: list[Any] = []

    def keep(fig: Any, path: Path) -> Path:
        figures.append(fig)
        return path

    monkeypatch.setattr(plots, "_save", keep)
    yield figures
    import matplotlib.pyplot as plt

    plt.close("all")


def _final(golden: Path, seeds: tuple[int, ...] = (1, 2, 3)) -> pl.DataFrame:
    frame, _ = gather(golden)
    return frame.filter((pl.col("role") == "final") & pl.col("seed").is_in(seeds))


def _colors(ax: Any) -> dict[str, str]:
    """Each labelled line's or bar group's colour, by its legend label."""
    from matplotlib.colors import to_hex

    handles, labels = ax.get_legend_handles_labels()
    return {
        label: to_hex(h.get_color() if hasattr(h, "get_color") else h.patches[0].get_facecolor())
        for h, label in zip(handles, labels, strict=True)
    }


def test_losses_are_ordered_and_coloured_without_torch() -> None:
    code = (
        "import sys\nfrom talosbench import plots\nfrom talosbench.report.model import paper_losses\n"
        "print(plots.loss_style('talos').focus, paper_losses()[0], 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "bpr", "False"]


def test_talos_and_its_ablations_stand_out_in_stable_colours() -> None:
    from talosbench.declared.losses import listing_order

    names = listing_order()
    styles = {name: plots.loss_style(name) for name in names}
    assert styles == {name: plots.loss_style(name) for name in reversed(names)}  # no call-order state
    focus = [n for n in names if n == "talos" or n.startswith("talos-")]
    assert focus and all(styles[n].color in plots.WARM and styles[n].focus for n in focus)
    baselines = [n for n in names if n not in focus]
    assert all(styles[n].color in plots.COOL and not styles[n].focus for n in baselines)
    # No two losses of a kind share a colour while the palette lasts.
    assert len({styles[n].color for n in baselines}) == min(len(baselines), len(plots.COOL))
    assert len({styles[n].color for n in focus}) == len(focus)
    assert plots.loss_style("talos@50") == styles["talos"]


def test_a_loss_has_one_colour_in_every_figure(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    final = _final(golden)
    histories = plots._histories(final)
    out = plots.Figures(tmp_path)
    plots.validation_curves(histories, "precision@20", out, "talos")
    plots.accuracy_bars(final, ["precision@20"], out, "talos")
    plots.accuracy_time(final, "precision@20", out, "talos")
    for fig in drawn:
        for loss, color in _colors(fig.axes[0]).items():
            assert color == plots.loss_style(loss).color, (fig.axes[0].get_title(), loss)


def test_epoch_ticks_are_whole_numbers(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    # A short run (validated at epochs 1-4): a default axis would put ticks at 1.5, 2.5, ...
    histories = plots._histories(_final(golden)).filter(pl.col("epoch") % 5 == 0)
    histories = histories.with_columns(pl.col("epoch") // 5)
    out = plots.Figures(tmp_path)
    plots.validation_curves(histories, "precision@20", out, "talos")
    plots.validation_bands(histories, "precision@20", out, "talos")
    plots.threshold_curves(histories, out, "talos")
    axes = [ax for fig in drawn for ax in fig.axes if ax.get_visible()]
    assert axes
    for ax in axes:
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize("seeds", [(1,), (1, 2, 3)])
def test_spread_is_drawn_only_from_several_seeds(
    golden: Path, drawn: list[Any], tmp_path: Path, seeds: tuple[int, ...]
) -> None:
    final = _final(golden, seeds).filter(pl.col("scenario") == "iid")
    out = plots.Figures(tmp_path)
    plots.validation_curves(plots._histories(final), "precision@20", out, "talos")
    plots.accuracy_bars(final, ["precision@20"], out, "talos")
    plots.accuracy_time(final, "precision@20", out, "talos")
    curves, bars, costs = (fig.axes[0] for fig in drawn)
    from matplotlib.container import ErrorbarContainer

    bands = curves.collections  # fill_between's shaded areas
    # One error bar per loss in the bars, and one per loss in the accuracy-time scatter.
    errors = [c for ax in (bars, costs) for c in ax.containers if isinstance(c, ErrorbarContainer)]
    if len(seeds) == 1:
        assert not bands and not errors and "std" not in bars.get_title()
    else:
        assert len(bands) == 3 and len(errors) == 3 + 3 and "std over seeds" in bars.get_title()


def test_figures_are_sized_for_a_paper_column(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    final = _final(golden)
    out = plots.Figures(tmp_path)
    plots.validation_curves(plots._histories(final), "precision@20", out, "talos")
    plots.accuracy_time(final, "precision@20", out, "talos")
    column = [fig.get_size_inches()[0] for fig in drawn]
    drawn.clear()
    plots.validation_bands(plots._histories(final), "precision@20", out, "talos")  # a panel per loss
    assert column and all(width == plots.COLUMN_WIDTH for width in column)
    assert drawn and all(fig.get_size_inches()[0] <= plots.PAGE_WIDTH for fig in drawn)
