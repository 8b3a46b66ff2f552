"""Negatives and cut-offs within a dataset's items, memory within the device, allocator failures as oom."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from talosbench.config import RunConfig
from talosbench.data import prepare_split
from talosbench.train import limits
from talosbench.train.limits import LimitError, check_limits, memory_estimate, out_of_memory
from talosbench.train.run import train_split

CPU = torch.device("cpu")
SMALL = {"n_users": 150, "n_items": 90, "n_interactions": 4000}


def test_negatives_the_user_set_must_leave_the_positive_out() -> None:
    check_limits(RunConfig(loss="sl", negatives=99), 50, 100, "d")
    with pytest.raises(LimitError, match=r"^negatives = 100 is more than d's 100 items - 1 .* at most 99$"):
        check_limits(RunConfig(loss="sl", negatives=100), 50, 100, "d")
    named = {"negatives": "[losses.sl] negatives"}.get
    with pytest.raises(LimitError, match=re.escape("[losses.sl] negatives = 100000 is more than d's 493")):
        check_limits(RunConfig(loss="sl", negatives=100_000), 50, 493, "d", named=named)  # type: ignore[arg-type]
    # A loss's own default (1024) is the paper's protocol, drawn with replacement: never refused.
    check_limits(RunConfig(loss="sl"), 50, 100, "d")


def test_a_cutoff_past_the_items_is_refused() -> None:
    check_limits(RunConfig(ks=(20, 100)), 50, 100, "d")
    with pytest.raises(LimitError, match=r"^ks asks for a cut-off of 100000, more than d's 493 items"):
        check_limits(RunConfig(ks=(20, 100_000)), 50, 493, "d")
    with pytest.raises(LimitError, match=r"^valid_metric asks for a cut-off of 200"):
        check_limits(RunConfig(ks=(20,), valid_metric="recall@200"), 50, 100, "d")


def test_the_memory_estimate_is_parameters_optimiser_state_and_negative_embeddings() -> None:
    config = RunConfig(loss="sl", dim=8, batch_size=32, negatives=16)
    assert memory_estimate(config, 10, 20) == 4 * (4 * 30 * 8 + 32 * 16 * 8)
    shared = RunConfig(loss="sl", dim=8, batch_size=32, negatives=16, shared_negatives=True)
    assert memory_estimate(shared, 10, 20) == 4 * (4 * 30 * 8 + 16 * 8)
    assert memory_estimate(RunConfig(loss="bpr", dim=8, batch_size=32), 10, 20) == 4 * (4 * 30 * 8 + 32 * 8)


def test_a_run_needing_more_memory_than_the_device_has_is_refused_with_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    huge = RunConfig(loss="sl", dim=100_000_000, negatives=64)
    with pytest.raises(LimitError) as caught:
        check_limits(huge, 950, 493, "synthetic", CPU)
    message = str(caught.value)
    assert message.startswith("dim = 100000000, batch_size = 1024 and 64 negatives need about 28.5 TB on cpu")
    assert "lower dim, batch_size or negatives" in message
    monkeypatch.setattr(limits, "device_memory", lambda device: 1_000_000)
    with pytest.raises(LimitError, match=r"need about 2\.3 MB on cpu .* more than its 1\.0 MB"):
        check_limits(RunConfig(loss="sl", dim=8, negatives=64), 950, 493, "synthetic", CPU)
    check_limits(RunConfig(loss="sl", dim=8, negatives=64), 950, 493, "synthetic")  # no device: no check


def test_allocator_failures_are_out_of_memory() -> None:
    cpu = RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory")
    assert out_of_memory(cpu) and out_of_memory(MemoryError()) and out_of_memory(torch.OutOfMemoryError())
    assert not out_of_memory(RuntimeError("shape mismatch")) and not out_of_memory(
        ValueError("out of memory")
    )


@pytest.mark.skipif(
    not Path("/proc/sys/vm/overcommit_memory").is_file()
    or Path("/proc/sys/vm/overcommit_memory").read_text().strip() == "1",
    reason="the kernel must refuse an allocation past RAM and swap (overcommit heuristic or strict)",
)
def test_an_allocation_that_fails_while_training_is_recorded_out_of_memory(tmp_path: Path) -> None:
    split = prepare_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess=SMALL)
    config = RunConfig(loss="sl", dim=10**10, negatives=16, epochs=1, device="cpu", preprocess=SMALL)
    result = train_split(config, split)
    assert result.status == "oom", result.error
    assert result.error is not None and result.error.startswith("out of memory on cpu: RuntimeError")
