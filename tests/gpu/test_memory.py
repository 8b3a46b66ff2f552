"""Peak device memory of training and evaluation at Amazon Beauty's size stays within a stated bound."""

from __future__ import annotations

import pytest
import torch

from talosbench.bench.measure import bench_one
from talosbench.data.split import Split

pytestmark = pytest.mark.gpu

PEAK_BOUND_BYTES = 512 * 2**20
"""512 MiB. At Beauty scale (15.6k users, 8.7k items, ~100k training rows; batch 1024, 1024
negatives, dim 64) the working set is a few score blocks of B x n_items floats (36 MB each: the full
scoring path's buffer and the evaluation block), a handful of B x (N + 1) loss temporaries (4 MB
each), and tables of 24k x 64 floats with their gradients and Adam moments (6 MB each): about 200 MB
with allocator rounding and the cuBLAS workspace. The bound catches the regressions that matter:
a dense users x items score matrix (540 MB) or a gathered B x N x d negative tensor with its
gradient (2 x 268 MB)."""


@pytest.mark.parametrize("backbone", ["mf", "lightgcn"])
@pytest.mark.parametrize("loss", ["talos", "sl", "bpr"])
def test_peak_device_memory_at_beauty_scale(
    beauty: Split, device: torch.device, backbone: str, loss: str
) -> None:
    # bench_one resets the peak counter, builds the run, trains two epochs and evaluates twice.
    result = bench_one(beauty, "beauty", backbone, loss, device, epochs=1, eval_passes=1)
    assert result.device_peak_bytes is not None
    peak_mib = result.device_peak_bytes / 2**20
    assert 0 < result.device_peak_bytes <= PEAK_BOUND_BYTES, f"{backbone} + {loss}: peak {peak_mib:.0f} MiB"
