"""Figures of a results directory (PNG, PDF or SVG): validation and training curves, accuracy bars,
accuracy against seconds per epoch, threshold curves; column-sized, each loss in one colour everywhere.

matplotlib is the optional ``plot`` extra; it is imported when a figure is drawn (Agg backend, no display).
"""

from talosbench.report.figures.canvas import Figures, PlotError
from talosbench.report.figures.palette import LossStyle, loss_style
from talosbench.report.figures.plot import plot_results

__all__ = ["Figures", "LossStyle", "PlotError", "loss_style", "plot_results"]
