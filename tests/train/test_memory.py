"""Freed per-batch temporaries are reused by the allocator instead of faulting in fresh pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

# 40 MB allocated and freed ten times: glibc's default maps blocks above 32 MB afresh each time,
# about 10,000 page faults (4 KB pages) per tensor. A fresh interpreter keeps pytest's heap out of it.
PROBE = """
import resource, sys, torch
from talosbench.train.memory import retain_freed_memory
if sys.argv[1] == "retain":
    assert retain_freed_memory() and retain_freed_memory()  # idempotent
for _ in range(3):
    torch.ones(10 << 20).sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    torch.ones(10 << 20).sum()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator tuning is Linux-only")
def test_large_temporaries_stop_page_faulting() -> None:
    assert faults("default") > 50_000
    assert faults("retain") < 10_000
