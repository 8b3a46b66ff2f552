"""talosbench: benchmark recommender-system training losses for Top-K accuracy."""

from talosbench.threads import wait_passively

__version__ = "0.1.0"

# Before any module of the package imports torch: OpenMP reads its wait policy once, when torch
# loads it, and spinning threads make trainings that share a machine many times slower (threads.py).
wait_passively()
