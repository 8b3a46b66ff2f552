"""Curves against epoch from the runs' histories: validation, training loss, the seed band per loss,
and the learned threshold; each loss is a seed mean with, over several seeds, a min..max band."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from talosbench.report.figures.canvas import COLUMN_WIDTH, GROUP, PAGE_WIDTH, Figures, finish, groups, pyplot
from talosbench.report.figures.palette import loss_style
from talosbench.report.table import order, paper_losses
from talosbench.results import read_history

THRESHOLD_COLUMNS = ("valid_threshold_error", "valid_mean_threshold")
"""History columns the trainer writes at each validation of a thresholded loss."""
OVERLAY_LOSSES = 4
"""Most losses drawn together in one validation panel; more tangle, and their bands hide each other (the
per-loss panels of ``validation_bands`` show every loss)."""
BAND_ALPHA = 0.3
"""Opacity of a seed band: light enough for the mean line to stay on top, dark enough to see."""


def histories(final: pl.DataFrame) -> pl.DataFrame:
    """Every final run's history tagged with its cell and seed (diverged runs included: they show it)."""
    frames = []
    for row in final.filter(pl.col("status").is_in(["completed", "diverged"])).iter_rows(named=True):
        history = read_history(row["path"])
        if "epoch" in history.columns:
            tags = {c: pl.lit(row[c]) for c in (*GROUP, "loss")}
            frames.append(history.with_columns(**tags, seed=pl.lit(row["seed"])))
    if not frames:
        return pl.DataFrame(schema={c: pl.String for c in (*GROUP, "loss")} | {"epoch": pl.Int64})
    return pl.concat(frames, how="diagonal_relaxed")


def validation_curves(histories: pl.DataFrame, metric: str, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone of at most ``OVERLAY_LOSSES`` losses: validation metric against
    epoch, every loss in one panel, a mean line and seed band each."""
    plt = pyplot()
    column = f"valid_{metric}"
    paths: list[Path] = []
    if column not in histories.columns:
        return paths
    for key, group in groups(histories):
        losses = order(group["loss"].unique(), paper_losses(), last=baseline)
        if len(losses) > OVERLAY_LOSSES:
            continue
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.6))
        for loss in losses:
            band(ax, group.filter(pl.col("loss") == loss), column, loss)
        finish(ax, "epoch", f"validation {metric}", " / ".join(key), epochs=True)
        paths.append(out.save(fig, "valid", metric, *key))
    return paths


def training_curves(histories: pl.DataFrame, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone: one panel per loss (their scales differ), mean and seed band."""
    return _loss_panels(histories, "train_loss", "training loss", ("train-loss",), out, baseline)


def validation_bands(histories: pl.DataFrame, metric: str, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone: one panel per loss on its own scale, so each seed band is legible.

    The band is what the convergence table's seed band measures (docs/protocol.md, reporting).
    """
    column = f"valid_{metric}"
    if column not in histories.columns:
        return []
    names = ("valid-seeds", metric)
    return _loss_panels(histories, column, f"validation {metric}", names, out, baseline, same_epochs=True)


def _loss_panels(
    histories: pl.DataFrame,
    column: str,
    label: str,
    names: tuple[str, ...],
    out: Figures,
    baseline: str,
    same_epochs: bool = False,
) -> list[Path]:
    """One figure per dataset/scenario/backbone, one panel per loss: the seed mean and its band."""
    plt = pyplot()
    paths = []
    for key, group in groups(histories):
        losses = order(group["loss"].unique(), paper_losses(), last=baseline)
        cols = min(4, len(losses))
        rows = -(-len(losses) // cols)
        size = (PAGE_WIDTH * cols / 4, 1.6 * rows + 0.3)
        fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False, sharex=same_epochs)
        for ax, loss in zip(axes.flat, losses, strict=False):
            band(ax, group.filter(pl.col("loss") == loss), column, loss)
            finish(ax, "epoch", label, loss, legend=False, epochs=True)
        for ax in list(axes.flat)[len(losses) :]:
            ax.set_visible(False)
        for ax in axes.flat:  # shared epochs: still label every panel, a row may have none below it
            ax.tick_params(labelbottom=True)
        spread = " and seed min–max" if group["seed"].n_unique() > 1 else ", one seed"
        fig.suptitle(f"{label[0].upper()}{label[1:]} (mean{spread}): " + " / ".join(key))
        paths.append(out.save(fig, *names, *key))
    return paths


def threshold_curves(histories: pl.DataFrame, out: Figures, baseline: str) -> list[Path]:
    """For losses that log them: threshold error and mean threshold against epoch."""
    plt = pyplot()
    present = [c for c in THRESHOLD_COLUMNS if c in histories.columns]
    paths: list[Path] = []
    if not present:
        return paths
    for key, cell in groups(histories):
        group = cell.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in present))
        if group.is_empty():
            continue
        wide = COLUMN_WIDTH * len(present) if len(present) > 1 else COLUMN_WIDTH
        fig, axes = plt.subplots(1, len(present), figsize=(min(wide, PAGE_WIDTH), 2.4), squeeze=False)
        for ax, column in zip(axes.flat, present, strict=True):
            for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
                band(ax, group.filter(pl.col("loss") == loss), column, loss)
            name = column.removeprefix("valid_").replace("_", " ")
            finish(ax, "epoch", name, " / ".join(key), epochs=True)
        paths.append(out.save(fig, "thresholds", *key))
    return paths


def band(ax: Any, runs: pl.DataFrame, column: str, label: str) -> None:
    """Mean over seeds as a line; with several seeds, min..max over seeds as a shaded band.

    One seed has no spread: a band of zero width would suggest a certainty the run does not give.
    """
    stats = (
        runs.filter(pl.col(column).is_not_null() & pl.col(column).is_finite())
        .group_by("epoch")
        .agg(
            mean=pl.col(column).mean(),
            low=pl.col(column).min(),
            high=pl.col(column).max(),
            seeds=pl.col("seed").n_unique(),
        )
        .sort("epoch")
    )
    if stats.is_empty():
        return
    style = loss_style(label)
    marker = style.marker if stats.height < 30 else None
    ax.plot(
        stats["epoch"],
        stats["mean"],
        marker=marker,
        ms=2.5,
        label=label,
        color=style.color,
        lw=1.6 if style.focus else 1.0,
        zorder=3 if style.focus else 2,
    )
    if max(stats["seeds"].to_list()) > 1:
        ax.fill_between(
            stats["epoch"], stats["low"], stats["high"], color=style.color, alpha=BAND_ALPHA, lw=0
        )
        for edge in ("low", "high"):  # a hairline edge keeps a narrow band visible
            ax.plot(stats["epoch"], stats[edge], color=style.color, lw=0.4, alpha=0.6)
