"""Accuracy bars: per metric, the test mean of each loss, grouped by dataset / scenario / backbone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from talosbench.report.figures.canvas import COLUMN_WIDTH, GROUP, PAGE_WIDTH, Figures, finish, pyplot
from talosbench.report.figures.palette import loss_style
from talosbench.report.table import mean_std, order, paper_losses


def accuracy_bars(final: pl.DataFrame, metrics: Sequence[str], out: Figures, baseline: str) -> list[Path]:
    """Per metric: grouped bars (dataset/scenario/backbone) of the test mean; std error bars over seeds.

    A loss with one completed seed in a group gets no error bar there: one value has no spread.
    """
    plt = pyplot()
    ok = final.filter(pl.col("status") == "completed")
    paths = []
    groups = sorted({tuple(r) for r in ok.select(GROUP).iter_rows()}, key=lambda k: (k[0], k[1] != "iid", k))
    losses = order(ok["loss"].unique(), paper_losses(), last=baseline)
    for metric in metrics:
        wide = max(COLUMN_WIDTH, 0.12 * len(groups) * max(1, len(losses)))
        fig, ax = plt.subplots(figsize=(min(wide, PAGE_WIDTH), 2.6))
        width = 0.8 / max(1, len(losses))
        spread = False
        for i, loss in enumerate(losses):
            means, stds = [], []
            for key in groups:
                rows = ok.filter(pl.all_horizontal(pl.col(c) == v for c, v in zip(GROUP, key, strict=True)))
                values = rows.filter(pl.col("loss") == loss)[f"test_{metric}"].drop_nulls().to_list()
                mean, std = mean_std(values)
                means.append(mean if mean is not None else 0.0)
                stds.append(std)
            x = [g + (i - (len(losses) - 1) / 2) * width for g in range(len(groups))]
            style = loss_style(loss)
            ax.bar(x, means, width, color=style.color, label=loss, edgecolor="white", linewidth=0.3)
            shown = [(at, m, s) for at, m, s in zip(x, means, stds, strict=True) if s is not None]
            if shown:  # error bars only where several seeds give a spread
                spread = True
                at, m, s = zip(*shown, strict=True)
                ax.errorbar(at, m, yerr=s, fmt="none", ecolor="#333333", elinewidth=0.6, capsize=1.5)
        joint = " / " if len(groups) < 3 else "\n"  # a few groups fit on one line each
        ax.set_xticks(range(len(groups)), [joint.join(key) for key in groups])
        title = f"Accuracy: {metric}" + (" (mean ± std over seeds)" if spread else "")
        finish(ax, "", f"test {metric}", title)
        paths.append(out.save(fig, "accuracy", metric))
    return paths
