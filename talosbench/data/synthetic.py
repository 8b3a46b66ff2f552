"""Synthetic data: the embedded ``synthetic`` dataset, and sized samples for timing.

``generate`` draws the ``synthetic`` dataset: latent preferences, long tails and drift, deterministic
per seed. Each interaction is one draw from a softmax over items whose logits mix a user's drifting
taste with an item's drifting popularity, so a global time cut (``temporal``) and an
inverse-popularity test set (``popularity``) both see a real distribution shift.

``sized_interactions`` draws only the sizes and skew of a real dataset, fast enough for Electronics
scale: what ``talosbench bench`` times training on.
"""

from __future__ import annotations

import numpy as np
import polars as pl

START = 1_577_836_800  # 2020-01-01 UTC: timestamps span one year from here
SPAN = 365 * 24 * 3600


def generate(
    n_users: int = 1000,
    n_items: int = 500,
    n_interactions: int = 70000,
    seed: int = 0,
    *,
    dim: int = 16,
    taste: float = 1.5,
    zipf: float = 0.8,
    pref_drift: float = 1.0,
    pop_drift: float = 1.5,
    chunk: int = 4096,
) -> pl.DataFrame:
    """Draw ``n_interactions`` raw (user, item, timestamp) events; duplicates are left for preprocessing."""
    if n_users < 1 or n_items < 2 or n_interactions < 1:
        raise ValueError("synthetic needs n_users >= 1, n_items >= 2 and n_interactions >= 1")
    rng = np.random.default_rng(seed)
    # Items: latent factors, a Zipf-shaped base log-popularity, and a random trend over time.
    item_vec = rng.standard_normal((n_items, dim)) / np.sqrt(dim)
    base_pop = -zipf * np.log(rng.permutation(n_items) + 1.0)
    trend = rng.standard_normal(n_items) * pop_drift
    # Users: latent taste that drifts linearly in time, lognormal (long-tailed) activity.
    user_vec = rng.standard_normal((n_users, dim))
    user_drift = rng.standard_normal((n_users, dim)) * pref_drift
    activity = rng.lognormal(0.0, 1.0, n_users)
    counts = rng.multinomial(n_interactions, activity / activity.sum())
    users = np.repeat(np.arange(n_users), counts)
    # Each user is active in a window of the year; events fall uniformly inside it.
    start = rng.uniform(0.0, 0.6, n_users)
    length = rng.uniform(0.2, 1.0, n_users) * (1.0 - start)
    t = start[users] + length[users] * rng.uniform(0.0, 1.0, users.size)
    items = np.empty(users.size, dtype=np.int64)
    for lo in range(0, users.size, chunk):
        u, tt = users[lo : lo + chunk], t[lo : lo + chunk, None]
        taste_now = user_vec[u] + tt * user_drift[u]
        logits = taste * taste_now @ item_vec.T + base_pop + tt * trend
        # Gumbel-max: one exact softmax draw per row without normalising.
        items[lo : lo + chunk] = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    frame = pl.DataFrame(
        {
            "user": users.astype(np.int64),
            "item": items,
            "timestamp": (START + t * SPAN).astype(np.int64),
        }
    )
    return frame.sort(["timestamp", "user", "item"]).select(
        pl.col("user").cast(pl.Utf8),
        pl.col("item").cast(pl.Utf8),
        pl.lit(None, dtype=pl.Float64).alias("rating"),
        "timestamp",
    )


def sized_interactions(n_users: int, n_items: int, n_interactions: int, seed: int = 0) -> pl.DataFrame:
    """``n_interactions`` distinct (user, item) id pairs with long-tailed user activity and item popularity.

    The sizes and skew of a dataset without its preferences, for timing (``talosbench bench``): the
    shapes that drive cost follow ``generate`` (lognormal activity, Zipf popularity), but items are
    drawn from the popularity alone, so this runs in a second at electronics scale where ``generate``
    would score every item for every draw. Ids are 0-based and used as they are (no preprocessing).
    """
    if n_interactions > n_users * n_items // 2:
        raise ValueError("sized_interactions needs fewer interactions than half of users x items")
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, n_users)
    activity /= activity.sum()
    popularity = 1.0 / (rng.permutation(n_items) + 1.0) ** 0.8
    popularity /= popularity.sum()
    # A user can hold at most half of the catalogue, so every user keeps negatives to sample.
    cap = n_items // 2
    keys = np.zeros(0, dtype=np.int64)
    while keys.size < n_interactions:
        need = int((n_interactions - keys.size) * 1.1) + 16
        users = rng.choice(n_users, size=need, p=activity)
        items = rng.choice(n_items, size=need, p=popularity)
        keys = np.unique(np.concatenate([keys, users.astype(np.int64) * n_items + items]))
        users_of = keys // n_items
        rank = np.arange(keys.size) - np.searchsorted(users_of, users_of)
        keys = keys[rank < cap]
    keys = rng.permutation(keys)[:n_interactions]
    return pl.DataFrame({"user": keys // n_items, "item": keys % n_items})
