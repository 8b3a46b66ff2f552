"""Shared by every test: the ``gpu`` marker's tests skip, with the reason, where CUDA is not available."""

from __future__ import annotations

import pytest

NO_CUDA = "needs CUDA: torch.cuda.is_available() is False on this machine"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every ``gpu`` test skipped when there is no CUDA device (torch is imported only then)."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason=NO_CUDA)
    for item in gpu_items:
        item.add_marker(skip)
