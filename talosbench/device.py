"""Resolve a device specification once per run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from talosbench.errors import USAGE, TalosbenchError


class DeviceError(TalosbenchError, ValueError):
    """A device that does not exist on this machine."""

    exit_code = USAGE


DEVICE_SPEC = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
"""What ``--device`` accepts."""


def check_device(spec: str) -> str:
    """``spec`` stripped and in lower case when it is auto, cpu, cuda or cuda:N, else DeviceError.

    Only the form is checked (nothing is probed), so a plan can be checked on a machine without the GPU.
    """
    name = spec.strip().lower()
    if not DEVICE_SPEC.match(name):
        raise DeviceError(f"unknown device '{name}'; valid: auto, cpu, cuda, cuda:N")
    return name


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

    ``count`` is ``threads.thread_count``'s choice; the block gets it back as torch reports it.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield torch.get_num_threads()
    finally:  # whether the block trained or failed
        torch.set_num_threads(previous)
