"""Freed per-batch temporaries are reused by the allocator instead of faulting in fresh pages."""

from __future__ import annotations

import resource
import sys

import pytest
import torch

from talosbench.train.memory import retain_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator tuning is Linux-only")
def test_large_temporaries_stop_page_faulting() -> None:
    assert retain_freed_memory() and retain_freed_memory()  # idempotent
    for _ in range(3):  # warm the heap up to the working-set size
        torch.ones(10 << 20).sum()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        # 40 MB allocated and freed: glibc's default maps blocks above 32 MB afresh every time,
        # about 10,000 faults (4 KB pages) per tensor.
        torch.ones(10 << 20).sum()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 25_000  # vs ~100,000
