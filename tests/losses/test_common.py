"""``take_rows``: ``table[ids]`` whose gradient is the same on every run (talosbench/losses/common.py)."""

from __future__ import annotations

import torch

from talosbench.device import torch_threads
from talosbench.losses.common import take_rows


def test_take_rows_equals_indexing_and_its_gradient_repeats_exactly() -> None:
    generator = torch.Generator().manual_seed(0)
    table = torch.randn(300, 64, generator=generator, requires_grad=True)
    ids = torch.randint(0, 40, (1024, 3), generator=generator)  # many repeats; 196,608 values
    weights = torch.randn(1024, 3, 64, generator=generator)
    assert torch.equal(take_rows(table, ids), table[ids])
    grads = set()
    expected = None
    with torch_threads(2):
        for _ in range(20):
            table.grad = None
            (take_rows(table, ids) * weights).sum().backward()
            assert table.grad is not None
            grads.add(table.grad.numpy().tobytes())
            expected = torch.zeros_like(table).index_add_(0, ids.reshape(-1), weights.reshape(-1, 64))
    assert len(grads) == 1  # indexing's gradient (parallel atomic adds) gave 20 different ones here
    assert expected is not None and torch.equal(table.grad, expected)  # the rows added in id order
