"""The balanced design: distinct rows, every prefix balanced in every dimension, row 0 all defaults."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest

from talosbench.suite.design import balanced_row, balanced_rows, first_then_shuffled, seeded_random

SIZES = [
    sizes
    for k in (1, 2, 3)
    for sizes in itertools.product((1, 2, 3, 4, 6, 7), repeat=k)
    if math.prod(sizes) <= 200
]


@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_the_order_visits_every_point_once_and_each_prefix_is_balanced(sizes: tuple[int, ...]) -> None:
    rows = list(balanced_rows(sizes))
    assert rows[0] == (0,) * len(sizes)  # the default point comes first
    assert sorted(rows) == sorted(itertools.product(*(range(n) for n in sizes)))  # all, none twice
    for b in range(1, len(rows) + 1):
        for d, n in enumerate(sizes):
            counts = Counter(row[d] for row in rows[:b])
            low, high = b // n, -(-b // n)
            assert all(low <= counts[v] <= high for v in range(n)), (sizes, b, d, counts)


def test_equal_small_dimensions_meet_in_every_pair_before_repeating() -> None:
    # lr x weight decay (3 x 3) cycle first: their 9 pairs are the first 9 points
    assert {row[:2] for row in itertools.islice(balanced_rows((3, 3, 6)), 9)} == set(
        itertools.product(range(3), range(3))
    )
    assert balanced_row((3, 3, 6), 9) == (0, 0, 3)  # then a pair again, with a new third value


def test_the_seeded_order_of_values_puts_the_default_first_and_depends_on_content_alone() -> None:
    values = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    drawn = first_then_shuffled(values, 0.1, seeded_random(["tau", values]))
    assert drawn[0] == 0.1 and sorted(drawn) == values
    assert drawn == first_then_shuffled(values, 0.1, seeded_random(["tau", values]))
