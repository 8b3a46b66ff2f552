"""The train / validation / test split that the training engine consumes."""

from __future__ import annotations

from collections.abc import Mapping
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


# Options of the split rule rather than of the preprocessing: a suite sets them in the same
# ``[datasets.<name>]`` table, but they leave the prepared data alone and only select another cached
# split. The first choice is the default, which keeps today's splits and run ids.
SPLIT_OPTIONS: dict[str, tuple[str, ...]] = {
    # "drop": validation/test rows whose user or item never occurs in training are removed (counted in
    # the diagnostics as dropped_cold); "keep": they stay and are evaluated (counted as cold_kept).
    "cold": ("drop", "keep"),
}


def split_options(options: Mapping[str, Any] | None) -> dict[str, str]:
    """The split options in ``options`` (a ``[datasets.<name>]`` mapping), defaults filled in."""
    given = options or {}
    return {key: str(given.get(key, choices[0])) for key, choices in SPLIT_OPTIONS.items()}
