"""Training steps reuse freed heap pages instead of faulting in fresh ones (glibc only)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Page faults of three Talos epochs (nine 1024 x 1024-negative batches) after a warm-up epoch, in a
# fresh interpreter so pytest's own heap stays out of it. "default" pretends the tuning already
# ran, so glibc keeps its defaults.
PROBE = """
import resource, sys, torch
from talosbench.bench import SCALES, synthetic_split
from talosbench.train import memory, parts, trainer
from talosbench.config import RunConfig
torch.set_num_threads(1)  # timing-free, and spared the spin-waits of a busy machine
if sys.argv[1] == "default":
    memory._done = True
split = synthetic_split(SCALES["tiny"])
config = RunConfig(dataset="bench", loss="talos")
built = parts.build(split, config, torch.device("cpu"))
gen = torch.Generator().manual_seed(0)
trainer.train_epoch(built, config, gen, adversarial=False)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    trainer.train_epoch(built, config, gen, adversarial=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator tuning is Linux-only")
def test_training_batches_stop_page_faulting() -> None:
    # Without retention the nine batches fault in 1 to 20 MB of fresh pages each (8,000 to 45,000
    # faults seen; glibc's sliding mmap threshold makes the count vary from process to process);
    # with it, a few hundred at most. Alone the ratio is 7x to 2,000x, late in a full test run 3x,
    # so one of three tries must show at least 500 faults a batch and a halving, which allocator
    # noise never gives without retention.
    tries = [(faults("default"), faults("retain"))]
    while not _retains(*tries[-1]) and len(tries) < 3:
        tries.append((faults("default"), faults("retain")))
    assert _retains(*tries[-1]), f"(default, retained) page faults per try: {tries}"


def _retains(default: int, retained: int) -> bool:
    return default > 4_500 and retained * 2 < default


def test_retain_is_idempotent() -> None:
    from talosbench.train.memory import retain_freed_memory

    first = retain_freed_memory()
    assert retain_freed_memory() == first
    assert first == sys.platform.startswith("linux")
