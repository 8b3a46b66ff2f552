"""Figures of a results directory (PNG, PDF or SVG): validation and training curves, accuracy bars,
threshold curves.

matplotlib is the optional ``plot`` extra; it is imported inside the functions (Agg backend, no display).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

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
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
            _band(ax, group.filter(pl.col("loss") == loss), column, loss)
        _finish(ax, "epoch", f"validation {metric}", " / ".join(key))
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
        size = (3.6 * cols, 2.8 * rows)
        fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False, sharex=same_epochs)
        for ax, loss in zip(axes.flat, losses, strict=False):
            _band(ax, group.filter(pl.col("loss") == loss), column, loss)
            _finish(ax, "epoch", label, loss, legend=False)
        for ax in list(axes.flat)[len(losses) :]:
            ax.set_visible(False)
        fig.suptitle(f"{label[0].upper()}{label[1:]} (mean and seed min–max): " + " / ".join(key))
        paths.append(_save(fig, out.path(*names, *key)))
    return paths


def accuracy_bars(final: pl.DataFrame, metrics: Sequence[str], out: Figures, baseline: str) -> list[Path]:
    """Per metric: grouped bars (dataset/scenario/backbone) of the test mean with std error bars."""
    plt = _pyplot()
    ok = final.filter(pl.col("status") == "completed")
    paths = []
    groups = sorted({tuple(r) for r in ok.select(GROUP).iter_rows()}, key=lambda k: (k[0], k[1] != "iid", k))
    losses = order(ok["loss"].unique(), paper_losses(), last=baseline)
    for metric in metrics:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(groups) * max(1, len(losses)) / 3), 4.5))
        width = 0.8 / max(1, len(losses))
        for i, loss in enumerate(losses):
            means, stds = [], []
            for key in groups:
                rows = ok.filter(pl.all_horizontal(pl.col(c) == v for c, v in zip(GROUP, key, strict=True)))
                values = rows.filter(pl.col("loss") == loss)[f"test_{metric}"].drop_nulls().to_list()
                mean, std = mean_std(values)
                means.append(mean if mean is not None else 0.0)
                stds.append(std or 0.0)
            x = [g + (i - (len(losses) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(x, means, width, yerr=stds, capsize=3, label=loss)
        ax.set_xticks(range(len(groups)), ["\n".join(key) for key in groups])
        _finish(ax, "", f"test {metric} (mean ± std over seeds)", f"Accuracy: {metric}")
        paths.append(_save(fig, out.path("accuracy", metric)))
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
        fig, axes = plt.subplots(1, len(present), figsize=(6 * len(present), 4), squeeze=False)
        for ax, column in zip(axes.flat, present, strict=True):
            for loss in order(group["loss"].unique(), paper_losses(), last=baseline):
                _band(ax, group.filter(pl.col("loss") == loss), column, loss)
            _finish(ax, "epoch", column.removeprefix("valid_").replace("_", " "), " / ".join(key))
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
    """Mean over seeds as a line, min..max over seeds as a shaded band."""
    stats = (
        runs.filter(pl.col(column).is_not_null() & pl.col(column).is_finite())
        .group_by("epoch")
        .agg(mean=pl.col(column).mean(), low=pl.col(column).min(), high=pl.col(column).max())
        .sort("epoch")
    )
    if stats.is_empty():
        return
    marker = "o" if stats.height < 30 else None
    line = ax.plot(stats["epoch"], stats["mean"], marker=marker, ms=3, label=label)
    ax.fill_between(stats["epoch"], stats["low"], stats["high"], color=line[0].get_color(), alpha=0.2)


def _finish(ax: Any, xlabel: str, ylabel: str, title: str, legend: bool = True) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    handles = ax.get_legend_handles_labels()[0]
    if legend and len(handles) > 6:  # many losses: keep the legend off the data
        ax.legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
    elif legend and handles:
        ax.legend(fontsize="small")


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # savefig takes the format from the suffix
    fig.savefig(tmp, dpi=120)
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
    from cycler import cycler

    # A paper grid has up to 15 losses: 20 distinct colours, so no two lines share one.
    plt.rcParams["axes.prop_cycle"] = cycler(color=plt.get_cmap("tab20").colors)
    return plt
