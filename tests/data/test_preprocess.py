"""Preprocessing: k-core against a brute-force reference, dedupe, threshold, id remap, empty data."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talosbench.data.errors import DataError
from talosbench.data.preprocess import dedupe, k_core, preprocess, remap


def _frame(edges: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"user": [u for u, _ in edges], "item": [i for _, i in edges]},
        schema={"user": pl.Int64, "item": pl.Int64},
    )


def _brute_core(edges: set[tuple[int, int]], k: int) -> set[tuple[int, int]]:
    """Largest edge set in which every user and item has >= k edges, by trying every induced subgraph."""
    users = sorted({u for u, _ in edges})
    items = sorted({i for _, i in edges})
    best: set[tuple[int, int]] = set()
    for nu in range(len(users) + 1):
        for us in itertools.combinations(users, nu):
            for ni in range(len(items) + 1):
                for its in itertools.combinations(items, ni):
                    sub = {(u, i) for u, i in edges if u in us and i in its}
                    deg_u = {u: sum(1 for a, _ in sub if a == u) for u in us}
                    deg_i = {i: sum(1 for _, b in sub if b == i) for i in its}
                    valid = all(d >= k for d in [*deg_u.values(), *deg_i.values()])
                    if valid and len(sub) > len(best):
                        best = sub
    return best


@settings(max_examples=40, deadline=None)
@given(
    edges=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=16),
    k=st.integers(1, 3),
)
def test_k_core_is_the_largest_valid_subset(edges: set[tuple[int, int]], k: int) -> None:
    core, _ = k_core(_frame(sorted(edges)), k)
    got = set(zip(core["user"].to_list(), core["item"].to_list(), strict=False))
    if core.height:
        assert core.group_by("user").len()["len"].min() >= k
        assert core.group_by("item").len()["len"].min() >= k
    assert got == _brute_core(edges, k)


def test_dedupe_keeps_the_earliest() -> None:
    raw = pl.DataFrame(
        {
            "user": ["a", "a", "b"],
            "item": ["x", "x", "x"],
            "rating": [5.0, 1.0, 4.0],
            "timestamp": [20, 10, 5],
        }
    )
    out = dedupe(raw)
    assert out.height == 2
    assert out.filter(pl.col("user") == "a")["rating"].to_list() == [1.0]


def test_rating_threshold_and_remap() -> None:
    raw = pl.DataFrame(
        {
            "user": ["10", "2", "2", "10"],
            "item": ["b", "a", "b", "a"],
            "rating": [3.0, 2.0, 4.0, 5.0],
            "timestamp": [1, 2, 3, 4],
        }
    )
    prepared = preprocess(raw, {"min_rating": 3, "k_core": 0}, name="t")
    assert prepared.interactions.height == 3
    # numeric ids map in numeric order: "2" -> 0, "10" -> 1
    assert prepared.user_map.to_dicts() == [{"id": 0, "original": "2"}, {"id": 1, "original": "10"}]
    assert prepared.interactions["user"].dtype == pl.Int64
    assert [s["step"] for s in prepared.steps] == ["read", "dedupe", "rating>=3"]


def test_remap_is_contiguous() -> None:
    raw = pl.DataFrame(
        {"user": ["u9", "u1"], "item": ["i5", "i5"], "rating": [None, None], "timestamp": [1, 2]},
        schema_overrides={"rating": pl.Float64},
    )
    out, _users, items = remap(raw)
    assert sorted(out["user"].to_list()) == [0, 1] and items["id"].to_list() == [0]


def test_k_core_that_empties_names_the_step() -> None:
    raw = pl.DataFrame({"user": ["a", "b"], "item": ["x", "y"], "rating": [5.0, 5.0], "timestamp": [1, 2]})
    with pytest.raises(DataError, match=r"after step '10-core'.*k_core"):
        preprocess(raw, {"min_rating": 3, "k_core": 10}, name="tiny")


def _rated(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user": [u for u, _, _ in rows],
            "item": [i for _, i, _ in rows],
            "rating": [r for _, _, r in rows],
            "timestamp": list(range(len(rows))),
        },
        schema={"user": pl.Utf8, "item": pl.Utf8, "rating": pl.Float64, "timestamp": pl.Int64},
    )


def test_filter_order_decides_whether_the_k_core_or_the_rating_filter_has_the_last_word() -> None:
    # User a's only low rating: filtered first, it takes a below the 2-core; cored first, a stays in the
    # core and then loses that row, keeping a single one.
    raw = _rated([("a", "x", 5), ("a", "y", 1), ("b", "x", 5), ("b", "y", 5), ("c", "x", 5), ("c", "y", 5)])
    params = {"min_rating": 3, "k_core": 2}
    rating_first = preprocess(raw, params, name="t")
    assert preprocess(raw, {**params, "filter_order": "rating-first"}, name="t").steps == rating_first.steps
    k_core_first = preprocess(raw, {**params, "filter_order": "k-core-first"}, name="t")
    assert rating_first.user_map["original"].to_list() == ["b", "c"]
    assert rating_first.interactions.height == 4  # an exact 2-core
    assert k_core_first.user_map["original"].to_list() == ["a", "b", "c"]
    assert k_core_first.interactions.group_by("user").len()["len"].min() == 1  # not a 2-core any more
    assert [s["step"] for s in rating_first.steps[2:]] == ["rating>=3", "2-core"]
    assert [s["step"] for s in k_core_first.steps[2:]] == ["2-core", "rating>=3"]
    with pytest.raises(DataError, match="filter_order must be one of rating-first, k-core-first"):
        preprocess(raw, {**params, "filter_order": "core-first"}, name="t")


def test_catalog_filter_orders_follow_the_paper_statistics() -> None:
    from talosbench.data.catalog import CATALOG
    from talosbench.data.entries import resolve_params
    from talosbench.data.preprocess import filter_order

    orders = {name: filter_order(CATALOG.get(name).preprocess) for name in CATALOG.names()}
    assert orders.pop("amazon-beauty") == "k-core-first"  # docs/protocol.md §6.3
    assert set(orders.values()) == {"rating-first"}  # no stated statistic moves the others
    movielens = CATALOG.get("movielens-100k")
    # the default spelt out is the default: the same prepared folder, not a prep-<hash> copy
    assert resolve_params(movielens, {"filter_order": "rating-first"}) == dict(movielens.preprocess)
    with pytest.raises(DataError, match="filter_order must be one of"):
        resolve_params(movielens, {"filter_order": "sideways"})
