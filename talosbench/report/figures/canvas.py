"""What every figure shares: paper-column sizes, matplotlib set up for print (imported only here, when
a figure is drawn: it is the optional ``plot`` extra), the cells figures are drawn per, axes finished
alike, and where each figure's file goes."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.errors import USAGE, TalosbenchError
from talosbench.report.table import BACKBONES
from talosbench.results import write_output

GROUP = ("dataset", "scenario", "backbone")
"""The columns a figure is drawn per (one figure, or one group of bars, per combination)."""

COLUMN_WIDTH = 3.3
"""Inches: one column of a two-column paper; single-panel figures are drawn this wide."""
PAGE_WIDTH = 6.9
"""Inches: both columns; figures with one panel per loss span them."""
LOG_TICKS = 6
"""Most labelled ticks on a log axis: a column-wide axis holds six decimals without touching."""
DPI = 200
"""Raster resolution (PNG): a column figure is 660 pixels wide, sharp in print and on screen."""


class PlotError(TalosbenchError, RuntimeError):
    """Plots that cannot be drawn (matplotlib missing, nothing to draw)."""

    exit_code = USAGE


@dataclass(frozen=True)
class Figures:
    """Where figures go: a folder, a file-name prefix (``quick-`` from ``-o figs/quick.svg``), a format, and
    the option that chose the folder."""

    folder: Path
    fmt: str = "png"
    prefix: str = ""
    option: str = "-o"
    """What chose ``folder`` (``-o``, ``$TMPDIR``), named by the error of a write that fails."""

    def path(self, *parts: str) -> Path:
        """The file of the figure named by ``parts`` (characters a file name cannot hold replaced)."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(p.replace("@", "at") for p in parts))
        return self.folder / f"{self.prefix}{name}.{self.fmt}"

    def save(self, fig: Any, *parts: str) -> Path:
        """Write ``fig`` to the file of ``parts`` and close it: drawn in memory, then written whole or not
        at all by the results store's writer (a full disk: one ResultsWriteError, no partial file)."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        try:
            fig.savefig(buffer, format=self.fmt, dpi=DPI, bbox_inches="tight")  # tight: keeps a legend below
        finally:
            plt.close(fig)
        return write_output(self.path(*parts), buffer.getvalue(), self.option)


def groups(frame: pl.DataFrame) -> list[tuple[tuple[str, ...], pl.DataFrame]]:
    """The rows of each dataset / scenario / backbone, iid first and backbones in the paper's order."""
    keys = {tuple(r) for r in frame.select(GROUP).unique().iter_rows()}
    rank = {name: i for i, name in enumerate(BACKBONES)}
    ordered = sorted(keys, key=lambda k: (k[0], k[1] != "iid", k[1], rank.get(k[2], len(rank)), k[2]))
    return [
        (key, frame.filter(pl.all_horizontal(pl.col(c) == v for c, v in zip(GROUP, key, strict=True))))
        for key in ordered
    ]


def finish(ax: Any, xlabel: str, ylabel: str, title: str, legend: bool = True, epochs: bool = False) -> None:
    """Label, title and grid ``ax``; give it (or its figure, for many losses) a legend."""
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


def log_x(ax: Any, low: float, high: float) -> None:
    """A log x axis on ``ax`` for data from ``low`` to ``high``: plain decimals (0.05, 0.1) that never touch.

    matplotlib's default labels minor ticks in scientific notation when the data span about a decade, and
    those labels overprint ("3 × 10⁻¹" on "4 × 10⁻¹"); here minor ticks stay unlabelled and the labelled
    ones are 1-2-5 steps over a decade or two, 1-3 over a few, whole decades beyond.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    decades = math.log10(high / low)
    subs = (1.0, 2.0, 5.0) if decades <= 2 else (1.0, 3.0) if decades <= 3 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs, numticks=LOG_TICKS))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def pyplot() -> Any:
    """``matplotlib.pyplot`` without a display, set for paper columns; a PlotError when it is missing."""
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
