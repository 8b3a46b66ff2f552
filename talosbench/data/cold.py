"""Cold rows: validation and test rows whose user or item never occurs in training; counted, dropped, kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl


def drop_cold(part: pl.DataFrame, train: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Drop rows whose user or item never appears in ``train``; return (kept, dropped count)."""
    kept = part.join(train.select("user").unique(), on="user", how="semi").join(
        train.select("item").unique(), on="item", how="semi"
    )
    return kept, part.height - kept.height


def apply_cold(
    train: pl.DataFrame, valid: pl.DataFrame, test: pl.DataFrame, cold: str
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Apply the ``cold`` option to validation and test: drop cold rows, or keep them; count them either way.

    Under "drop" the diagnostics keep their old form (``dropped_cold`` only), so existing splits are
    unchanged; under "keep" ``cold_kept`` counts the cold rows left in and ``dropped_cold`` is zero.
    """
    kept_valid, cold_valid = drop_cold(valid, train)
    kept_test, cold_test = drop_cold(test, train)
    if cold == "keep":
        counts = {"valid": cold_valid, "test": cold_test}
        return valid, test, {"dropped_cold": {"valid": 0, "test": 0}, "cold_kept": counts}
    return kept_valid, kept_test, {"dropped_cold": {"valid": cold_valid, "test": cold_test}}


def unseen_counts(train: pl.DataFrame, parts: Mapping[str, pl.DataFrame]) -> dict[str, dict[str, int]]:
    """Per part, its distinct users (``cold_users``) and items (``cold_items``) absent from ``train``."""
    return {
        f"cold_{column}s": {
            name: part.select(column)
            .unique()
            .join(train.select(column).unique(), on=column, how="anti")
            .height
            for name, part in parts.items()
        }
        for column in ("user", "item")
    }
