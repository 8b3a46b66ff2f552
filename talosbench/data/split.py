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
    # A ``given`` split keeps them unless "drop" is set (its default is "keep": the publisher's split).
    "cold": ("drop", "keep"),
    # temporal only: "random" draws 10 % of the training period as validation (the paper's protocol);
    # "latest" takes its last 10 % by time, so that validation is shifted as the test is.
    "valid": ("random", "latest"),
}
SPLIT_COUNTS: dict[str, int] = {
    # temporal only: an iterative k-core over the training period alone (after the time cut), so that no
    # user or item qualifies through interactions after it; 0 (the default) leaves the period as cut.
    "train_k_core": 0,
}
"""Split options that take a whole number (>= 0), with their defaults."""
TEMPORAL_ONLY = ("valid", "train_k_core")
"""Split options that only the ``temporal`` rule reads: runs of other scenarios leave them out."""
SCENARIO_DEFAULTS: dict[str, dict[str, str]] = {"given": {"cold": "keep"}}
"""Where a scenario's default differs: a ``given`` split keeps cold rows, as it always did."""


def split_defaults(scenario: str | None = None) -> dict[str, Any]:
    """Every split option's default (of ``scenario`` where it has its own)."""
    defaults: dict[str, Any] = {key: choices[0] for key, choices in SPLIT_OPTIONS.items()}
    return {**defaults, **SPLIT_COUNTS, **SCENARIO_DEFAULTS.get(scenario or "", {})}


def split_option_problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for the split option ``key`` (None: nothing)."""
    if key in SPLIT_OPTIONS:
        choices = SPLIT_OPTIONS[key]
        return None if value in choices else f"must be one of {', '.join(choices)}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return f"must be a whole number >= 0, got {value!r}"
    return None


def split_options(options: Mapping[str, Any] | None, scenario: str | None = None) -> dict[str, Any]:
    """The split options in ``options`` (a ``[datasets.<name>]`` mapping) that ``scenario`` reads,
    defaults filled in."""
    given = read_by(scenario, options or {})
    return {key: given.get(key, default) for key, default in split_defaults(scenario).items()}


def read_by(scenario: str | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` less the split options that ``scenario`` does not read (``TEMPORAL_ONLY``)."""
    ignored = TEMPORAL_ONLY if scenario not in (None, "temporal") else ()
    return {key: value for key, value in options.items() if key not in ignored}


def is_split_option(key: str) -> bool:
    """Whether ``key`` of a ``[datasets.<name>]`` table is a split option rather than preprocessing."""
    return key in SPLIT_OPTIONS or key in SPLIT_COUNTS
