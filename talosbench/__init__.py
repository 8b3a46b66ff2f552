"""talosbench: benchmark recommender-system training losses for Top-K accuracy."""

__version__ = "0.1.0"
