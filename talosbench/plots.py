"""Figures of a results directory (PNG, PDF or SVG): validation and training curves, accuracy bars,
accuracy against seconds per epoch, threshold curves; column-sized, each loss in one colour everywhere.

matplotlib is the optional ``plot`` extra; it is imported inside the functions (Agg backend, no display).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.declared.losses import listing_order
from talosbench.errors import USAGE, TalosbenchError
from talosbench.paths import check_name, inside
from talosbench.report.model import (
    BACKBONES,
    ReportError,
    check_metrics,
    mean_std,
    order,
    paper_losses,
    primary_metric,
)
from talosbench.report.scope import by_suite, gather, suite_metrics
from talosbench.results import read_history

GROUP = ("dataset", "scenario", "backbone")
THRESHOLD_COLUMNS = ("valid_threshold_error", "valid_mean_threshold")
"""History columns the trainer writes at each validation of a thresholded loss."""


FORMATS = ("png", "pdf", "svg")
"""The figure formats, each the file extension matplotlib writes it under."""

COLUMN_WIDTH = 3.3
"""Inches: one column of a two-column paper; single-panel figures are drawn this wide."""
PAGE_WIDTH = 6.9
"""Inches: both columns; figures with one panel per loss span them."""
DPI = 200
"""Raster resolution (PNG): a column figure is 660 pixels wide, sharp in print and on screen."""

# Talos and its ablations in warm saturated colours, the baselines in muted cool ones, so the method
# under study is found at a glance; each loss keeps its colour in every figure (see ``loss_style``).
WARM = ("#d62728", "#ff7f0e", "#e7a800", "#c2185b", "#8c2d04")
COOL = (
    "#4c72b0",
    "#55a868",
    "#8172b3",
    "#64b5cd",
    "#2f6f6f",
    "#7f8c9d",
    "#a0b86a",
    "#6a5a8a",
    "#3d85c6",
    "#8aa5a0",
    "#5c6b8a",
    "#9a9ab0",
)
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "p", "h", "*")
FOCUS = "talos"
"""The loss the benchmark is about: it and its ``talos-*`` ablations take the warm colours."""


@dataclass(frozen=True)
class LossStyle:
    """How one loss is drawn in every figure."""

    color: str
    marker: str
    focus: bool
    """Talos or one of its ablations: drawn thicker and above the baselines."""


def loss_style(loss: str) -> LossStyle:
    """The fixed colour and marker of ``loss``, from its place in the losses' listing order.

    ``talos@50`` (a loss under another label) is drawn as ``talos``; a name outside the registry takes
    the colour after the registered ones of its kind, by the order of its name.
    """
    name = loss.split("@")[0]
    focus = name == FOCUS or name.startswith(f"{FOCUS}-")
    kin = [n for n in listing_order() if (n == FOCUS or n.startswith(f"{FOCUS}-")) == focus]
    index = kin.index(name) if name in kin else len(kin) + sum(map(ord, name))
    colors = WARM if focus else COOL
    return LossStyle(colors[index % len(colors)], MARKERS[index % len(MARKERS)], focus)


class PlotError(TalosbenchError, RuntimeError):
    """Plots that cannot be drawn (matplotlib missing, nothing to draw)."""

    exit_code = USAGE


@dataclass(frozen=True)
class Figures:
    """Where figures go: a folder, a file-name prefix (``quick-`` from ``-o figs/quick.svg``), a format."""

    folder: Path
    fmt: str = "png"
    prefix: str = ""

    def path(self, *parts: str) -> Path:
        """The file of the figure named by ``parts`` (characters a file name cannot hold replaced)."""
        return self.folder / f"{self.prefix}{_name(*parts)}.{self.fmt}"


def plot_results(
    source: Path,
    out: Path,
    *,
    metrics: Sequence[str] = (),
    baseline: str = "talos",
    suite_file: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    fmt: str = "png",
    prefix: str = "",
) -> list[Path]:
    """Draw every figure for the final runs under ``source`` into ``out``; return their paths.

    ``fmt`` is one of ``FORMATS``; every file name starts with ``prefix``.
    The runs are those a report covers (see ``report.scope``); each note on what was left out goes
    to ``on_note``. Each suite's figures show the metrics of its ``[eval]`` unless ``metrics`` names
    others; when ``source`` holds several suites, each gets a subfolder of ``out``.
    """
    if fmt not in FORMATS:
        raise PlotError(f"unknown figure format {fmt!r}; choose {', '.join(FORMATS)}")
    frame, notes = gather(source, suite_file)
    for note in notes:
        if on_note is not None:
            on_note(note)
    final = frame.filter(pl.col("role") == "final")
    if final.is_empty():
        raise PlotError(f"no complete final runs under {source}; run `talosbench run SUITE.toml` first")
    parts = by_suite(final)  # two suites may hold the same cell: never one curve of both
    paths: list[Path] = []
    for suite, runs in parts:
        shown = metrics or suite_metrics(runs, source, suite_file)
        folder = inside(out, out / check_name(suite, "suite name")) if len(parts) > 1 else out
        try:
            paths += _suite_figures(runs, shown, Figures(folder, fmt, prefix), baseline)
        except ReportError as error:
            if len(parts) == 1 or (not paths and suite == parts[-1][0]):
                raise  # nothing else drawn: the reason is the answer
            if on_note is not None:
                on_note(f"suite {suite} not plotted: {error}")
    return paths


def _suite_figures(final: pl.DataFrame, metrics: Sequence[str], out: Figures, baseline: str) -> list[Path]:
    """Every figure of one suite's final runs."""
    metrics = check_metrics(final, metrics)
    metric = primary_metric(final, metrics)
    out.folder.mkdir(parents=True, exist_ok=True)
    histories = _histories(final)
    paths = validation_curves(histories, metric, out, baseline)
    paths += validation_bands(histories, metric, out, baseline)
    paths += training_curves(histories, out, baseline)
    paths += accuracy_bars(final, metrics, out, baseline)
    paths += accuracy_time(final, metric, out, baseline)
    paths += threshold_curves(histories, out, baseline)
    return paths


def validation_curves(histories: pl.DataFrame, metric: str, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone: validation metric against epoch, mean line and seed band per loss."""
    plt = _pyplot()
    column = f"valid_{metric}"
    paths: list[Path] = []
    if column not in histories.columns:
        return paths
    for key, group in _groups(histories):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.6))
        for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
            _band(ax, group.filter(pl.col("loss") == loss), column, loss)
        _finish(ax, "epoch", f"validation {metric}", " / ".join(key), epochs=True)
        paths.append(_save(fig, out.path("valid", metric, *key)))
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
    plt = _pyplot()
    paths = []
    for key, group in _groups(histories):
        losses = order(group["loss"].unique(), paper_losses(), last=baseline)
        cols = min(4, len(losses))
        rows = -(-len(losses) // cols)
        size = (PAGE_WIDTH * cols / 4, 1.6 * rows + 0.3)
        fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False, sharex=same_epochs)
        for ax, loss in zip(axes.flat, losses, strict=False):
            _band(ax, group.filter(pl.col("loss") == loss), column, loss)
            _finish(ax, "epoch", label, loss, legend=False, epochs=True)
        for ax in list(axes.flat)[len(losses) :]:
            ax.set_visible(False)
        for ax in axes.flat:  # shared epochs: still label every panel, a row may have none below it
            ax.tick_params(labelbottom=True)
        spread = " and seed min–max" if group["seed"].n_unique() > 1 else ", one seed"
        fig.suptitle(f"{label[0].upper()}{label[1:]} (mean{spread}): " + " / ".join(key))
        paths.append(_save(fig, out.path(*names, *key)))
    return paths


def accuracy_bars(final: pl.DataFrame, metrics: Sequence[str], out: Figures, baseline: str) -> list[Path]:
    """Per metric: grouped bars (dataset/scenario/backbone) of the test mean; std error bars over seeds.

    A loss with one completed seed in a group gets no error bar there: one value has no spread.
    """
    plt = _pyplot()
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
        _finish(
            ax, "", f"test {metric}", f"Accuracy: {metric}" + (" (mean ± std over seeds)" if spread else "")
        )
        paths.append(_save(fig, out.path("accuracy", metric)))
    return paths


def accuracy_time(final: pl.DataFrame, metric: str, out: Figures, baseline: str) -> list[Path]:
    """Per dataset/scenario/backbone: test ``metric`` against training seconds per epoch, one point per loss.

    Each point is the mean over completed seeds (time: the median, as the efficiency table); with
    several seeds, bars span the std of the metric and the min..max of the time.
    """
    plt = _pyplot()
    column = f"test_{metric}"
    ok = final.filter((pl.col("status") == "completed") & pl.col("train_seconds_per_epoch").is_not_null())
    paths: list[Path] = []
    if column not in ok.columns:
        return paths
    for key, group in _groups(ok):
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
            ax.set_xscale("log")
        _finish(
            ax, "training seconds per epoch" + (" (log)" if logged else ""), f"test {metric}", " / ".join(key)
        )
        paths.append(_save(fig, out.path("accuracy-time", metric, *key)))
    return paths


def threshold_curves(histories: pl.DataFrame, out: Figures, baseline: str) -> list[Path]:
    """For losses that log them: threshold error and mean threshold against epoch."""
    plt = _pyplot()
    present = [c for c in THRESHOLD_COLUMNS if c in histories.columns]
    paths: list[Path] = []
    if not present:
        return paths
    for key, cell in _groups(histories):
        group = cell.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in present))
        if group.is_empty():
            continue
        wide = COLUMN_WIDTH * len(present) if len(present) > 1 else COLUMN_WIDTH
        fig, axes = plt.subplots(1, len(present), figsize=(min(wide, PAGE_WIDTH), 2.4), squeeze=False)
        for ax, column in zip(axes.flat, present, strict=True):
            for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
                _band(ax, group.filter(pl.col("loss") == loss), column, loss)
            name = column.removeprefix("valid_").replace("_", " ")
            _finish(ax, "epoch", name, " / ".join(key), epochs=True)
        paths.append(_save(fig, out.path("thresholds", *key)))
    return paths


def _histories(final: pl.DataFrame) -> pl.DataFrame:
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


def _groups(histories: pl.DataFrame) -> list[tuple[tuple[str, ...], pl.DataFrame]]:
    keys = {tuple(r) for r in histories.select(GROUP).unique().iter_rows()}
    rank = {name: i for i, name in enumerate(BACKBONES)}
    ordered = sorted(keys, key=lambda k: (k[0], k[1] != "iid", k[1], rank.get(k[2], len(rank)), k[2]))
    return [
        (key, histories.filter(pl.all_horizontal(pl.col(c) == v for c, v in zip(GROUP, key, strict=True))))
        for key in ordered
    ]


def _band(ax: Any, runs: pl.DataFrame, column: str, label: str) -> None:
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
        ax.fill_between(stats["epoch"], stats["low"], stats["high"], color=style.color, alpha=0.18, lw=0)


def _finish(ax: Any, xlabel: str, ylabel: str, title: str, legend: bool = True, epochs: bool = False) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if epochs:  # an epoch is a whole number: never a tick at 7.5
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    handles, labels = ax.get_legend_handles_labels()
    if legend and len(handles) > 4:  # many losses: below the figure, in columns, off the data
        if not ax.figure.legends:  # one legend for the figure's panels, which show the same losses
            ax.figure.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
    elif legend and handles:
        ax.legend()


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # savefig takes the format from the suffix
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")  # tight: a legend below the axes stays in
    plt.close(fig)
    tmp.replace(path)
    return path


def _name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(p.replace("@", "at") for p in parts))


def _pyplot() -> Any:
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise PlotError("plots need matplotlib: pip install 'talosbench[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Paper-column sizes: type a little below the body text's, as a journal figure sets it.
    plt.rcParams.update(
        {
            "font.size": 7,
            "axes.titlesize": 7,
            "axes.labelsize": 7,
            "legend.fontsize": 6,
            "xtick.labelsize": 6,
            "ytick.labelsize": 6,
            "figure.titlesize": 7.5,
            "axes.linewidth": 0.6,
            "svg.fonttype": "none",  # SVG text stays text: searchable, and smaller than glyph paths
            # Constrained layout makes room for a legend placed outside the axes and for long tick labels.
            "figure.constrained_layout.use": True,
        }
    )
    return plt
