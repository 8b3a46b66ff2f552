"""Resolve a device setting once per run (its form is checked in ``device_form``, without torch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from talosbench.device_form import DeviceError, check_device
from talosbench.waits import adaptive_waits


def resolve_device(spec: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU; ``cuda``/``cuda:N`` must exist."""
    spec = check_device(spec)
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():  # cuda or cuda:N
        raise DeviceError(
            f"device '{spec}' was requested but CUDA is not available here; use --device cpu or auto"
        )
    device = torch.device(spec)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise DeviceError(
            f"device '{spec}' does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)"
        )
    return device


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels so wall-clock timings measure the work, not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "cpu"


@contextmanager
def torch_threads(count: int) -> Iterator[int]:
    """Train with ``count`` torch CPU threads inside the block; the caller's count comes back after it.

    ``count`` is ``threads.thread_count``'s choice; the block gets it back as torch reports it. Idle
    threads spin while the process has its CPUs and sleep while others compete (``waits``).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with adaptive_waits(count):
            yield torch.get_num_threads()
    finally:  # whether the block trained or failed
        torch.set_num_threads(previous)
