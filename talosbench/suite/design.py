"""A balanced design: distinct grid points in which every value of every dimension appears equally often.

``balanced_row(sizes, r)`` is the ``r``-th point of an order of the whole grid (value indices) whose
every prefix is balanced: in its first ``B`` points each of a dimension's ``n`` values appears
⌊B/n⌋ or ⌈B/n⌉ times, and no point repeats. The order is built one dimension at a time: with the
first dimensions' order of length ``N``, row ``r`` pairs their row ``r mod N`` with value
``(r + r // lcm(N, n)) mod n`` of the next dimension of ``n`` values. Inside a block of ``lcm(N, n)``
rows both parts run through their cycles, so no pair repeats, and block ``k`` holds exactly the pairs
whose indices differ by ``k`` modulo ``gcd(N, n)``, so no two blocks share one; each block is a whole
number of the new dimension's cycles, so its counts stay balanced at every prefix. Row 0 is every
dimension's index 0, which callers give the default value.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any


def balanced_row(sizes: Sequence[int], r: int) -> tuple[int, ...]:
    """The value indices of row ``r`` (``0 <= r < prod(sizes)``) of the balanced order of a grid."""
    if not sizes:
        return ()
    *head, n = sizes
    size = math.prod(head)
    span = math.lcm(size, n)
    return (*balanced_row(head, r % size), (r + r // span) % n)


def balanced_rows(sizes: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every row of the balanced order of a grid with ``sizes`` values per dimension, in order."""
    for r in range(math.prod(sizes)):
        yield balanced_row(sizes, r)


def seeded_random(content: Any) -> random.Random:
    """A generator seeded by ``content`` (JSON-able) alone, so identical grids draw identical points."""
    text = json.dumps(content)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def first_then_shuffled(values: Sequence[Any], first: Any, rng: random.Random) -> list[Any]:
    """``values`` with ``first`` at index 0 (when listed) and the others in an order ``rng`` draws."""
    rest = [v for v in values if v != first] if first in values else list(values)
    rng.shuffle(rest)
    return [first, *rest] if first in values else rest
