"""talosbench: benchmark recommender-system training losses for Top-K accuracy."""

from talosbench.waits import choose_waits

__version__ = "0.1.0"

# Before any module of the package imports torch: OpenMP reads its wait policy once, when torch
# loads it, and spinning threads make trainings that share a machine many times slower (waits.py).
choose_waits()
