"""Each loss has one colour and marker in every figure; Talos and its ablations stand out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from talosbench.report.figures import Figures, palette
from talosbench.report.figures.bars import accuracy_bars
from talosbench.report.figures.curves import histories, validation_curves
from talosbench.report.figures.scatter import accuracy_time

from .conftest import final_runs


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
        "import sys\nfrom talosbench.report.figures import palette\n"
        "from talosbench.report.table import paper_losses\n"
        "print(palette.loss_style('talos').focus, paper_losses()[0], 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "bpr", "False"]


def test_talos_and_its_ablations_stand_out_in_stable_colours() -> None:
    from talosbench.declared.losses import listing_order

    names = listing_order()
    styles = {name: palette.loss_style(name) for name in names}
    assert styles == {name: palette.loss_style(name) for name in reversed(names)}  # no call-order state
    focus = [n for n in names if n == "talos" or n.startswith("talos-")]
    assert focus and all(styles[n].color in palette.WARM and styles[n].focus for n in focus)
    baselines = [n for n in names if n not in focus]
    assert all(styles[n].color in palette.COOL and not styles[n].focus for n in baselines)
    # No two losses of a kind share a colour while the palette lasts.
    assert len({styles[n].color for n in baselines}) == min(len(baselines), len(palette.COOL))
    assert len({styles[n].color for n in focus}) == len(focus)
    assert palette.loss_style("talos@50") == styles["talos"]


def test_a_loss_has_one_colour_in_every_figure(golden: Path, drawn: list[Any], tmp_path: Path) -> None:
    final = final_runs(golden)
    out = Figures(tmp_path)
    validation_curves(histories(final), "precision@20", out, "talos")
    accuracy_bars(final, ["precision@20"], out, "talos")
    accuracy_time(final, "precision@20", out, "talos")
    for fig in drawn:
        for loss, color in _colors(fig.axes[0]).items():
            assert color == palette.loss_style(loss).color, (fig.axes[0].get_title(), loss)
