"""Accuracy against cost: per dataset / scenario / backbone, each loss's test metric against its training
seconds per epoch."""

from __future__ import annotations

import statistics
from pathlib import Path

import polars as pl

from talosbench.report.figures.canvas import COLUMN_WIDTH, Figures, finish, groups, log_x, pyplot
from talosbench.report.figures.palette import loss_style
from talosbench.report.table import mean_std, order, paper_losses


def accuracy_time(final: pl.DataFrame, metric: str, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone: test ``metric`` against training seconds per epoch, one point per loss.

    Each point is the mean over completed seeds (time: the median, as the efficiency table); with
    several seeds, bars span the std of the metric and the min..max of the time.
    """
    plt = pyplot()
    column = f"test_{metric}"
    ok = final.filter((pl.col("status") == "completed") & pl.col("train_seconds_per_epoch").is_not_null())
    paths: list[Path] = []
    if column not in ok.columns:
        return paths
    for key, group in groups(ok):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.6))
        for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
            runs = group.filter((pl.col("loss") == loss) & pl.col(column).is_not_null())
            if runs.is_empty():
                continue
            mean, std = mean_std(runs[column].to_list())
            times = [float(t) for t in runs["train_seconds_per_epoch"].to_list()]
            middle = statistics.median(times)
            style = loss_style(loss)
            ax.plot(
                [middle],
                [mean],
                marker=style.marker,
                color=style.color,
                ls="none",
                label=loss,
                ms=6 if style.focus else 4.5,
                zorder=3 if style.focus else 2,
            )
            if std is not None:
                xerr = [[middle - min(times)], [max(times) - middle]]
                ax.errorbar(
                    [middle],
                    [mean],
                    yerr=[std],
                    xerr=xerr,
                    fmt="none",
                    ecolor=style.color,
                    elinewidth=0.6,
                    alpha=0.7,
                )
        # Never empty: every group holds runs with a time.
        costs = [float(t) for t in group["train_seconds_per_epoch"].to_list()]
        logged = 0 < min(costs) * 10 < max(costs)
        if logged:  # costs an order of magnitude apart: a linear axis would crush the cheap losses together
            log_x(ax, min(costs), max(costs))
        xlabel = "training seconds per epoch" + (" (log)" if logged else "")
        finish(ax, xlabel, f"test {metric}", " / ".join(key))
        paths.append(out.save(fig, "accuracy-time", metric, *key))
    return paths
