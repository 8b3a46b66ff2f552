"""The metric families every run evaluates at each cut-off K (docs/protocol.md §5)."""

from __future__ import annotations

METRICS = ("precision", "recall", "ndcg", "mrr", "hit")
"""Their names, as suite files, results columns (``precision@20``) and reports write them."""
