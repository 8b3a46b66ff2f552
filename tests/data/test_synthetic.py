"""The embedded generator: deterministic per seed, long-tailed, and drifting over time."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from talosbench.data.scenarios import js_divergence
from talosbench.data.synthetic import generate, sized_interactions


def test_deterministic_per_seed_and_different_across_seeds() -> None:
    a, b = (
        generate(n_users=100, n_items=50, n_interactions=2000, seed=7),
        generate(n_users=100, n_items=50, n_interactions=2000, seed=7),
    )
    assert a.equals(b)
    assert not a.equals(generate(n_users=100, n_items=50, n_interactions=2000, seed=8))


def test_long_tails_and_drift() -> None:
    raw = generate(seed=1).unique(["user", "item"])
    items = np.sort(raw.group_by("item").len()["len"].to_numpy())[::-1]
    assert items[: len(items) // 10].sum() > 0.25 * items.sum()  # top 10% of items: > 25% of interactions
    users = raw.group_by("user").len()["len"].to_numpy()
    assert users.max() > 4 * np.median(users)
    # Item popularity in the first vs the last third of the year differs far more than two random halves.
    n_items = int(raw["item"].cast(pl.Int64).max()) + 1
    ordered = raw.sort("timestamp")["item"].cast(pl.Int64).to_numpy()
    third = len(ordered) // 3
    early = np.bincount(ordered[:third], minlength=n_items)
    late = np.bincount(ordered[-third:], minlength=n_items)
    shuffled = np.random.default_rng(0).permutation(ordered)
    r1 = np.bincount(shuffled[:third], minlength=n_items)
    r2 = np.bincount(shuffled[-third:], minlength=n_items)
    assert js_divergence(early, late) > 3 * js_divergence(r1, r2)


def test_sized_interactions_have_the_named_size_and_no_duplicates() -> None:
    frame = sized_interactions(50, 30, 600, seed=3)
    assert frame.height == 600 and frame.unique().height == 600
    assert frame["user"].max() < 50 and frame["item"].max() < 30 and frame["item"].min() >= 0
    assert frame.group_by("user").len()["len"].max() <= 15  # every user keeps half the catalogue free
    assert frame.equals(sized_interactions(50, 30, 600, seed=3))
    with pytest.raises(ValueError, match="fewer interactions"):
        sized_interactions(2, 4, 10)
