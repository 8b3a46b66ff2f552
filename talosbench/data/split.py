"""The train / validation / test split that the training engine consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Split:
    """One (dataset, scenario, seed) split with contiguous 0-based ids.

    ``train``, ``valid`` and ``test`` are Polars frames with at least the Int64 columns ``user`` and
    ``item`` (and ``timestamp`` where known); the three are disjoint and hold no duplicate pairs.
    ``n_users`` / ``n_items`` cover all three parts (docs/protocol.md §6.1), so items seen only in
    validation or test still get an embedding and are ranked.
    """

    dataset: str
    scenario: str
    seed: int
    n_users: int
    n_items: int
    train: pl.DataFrame
    valid: pl.DataFrame
    test: pl.DataFrame
    diagnostics: dict[str, Any] = field(default_factory=dict)
