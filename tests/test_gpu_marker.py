"""The ``gpu`` marker: its tests skip with the reason where CUDA is missing and run where it is."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch


def _conftest() -> ModuleType:
    path = Path(__file__).parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("tests_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeItem:
    """The two methods of a collected test that the hook uses."""

    def __init__(self, *markers: str) -> None:
        self.markers = list(markers)
        self.added: list[Any] = []

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None

    def add_marker(self, marker: Any) -> None:
        self.added.append(marker)


@pytest.mark.parametrize("cuda", [False, True], ids=["no-cuda", "cuda"])
def test_gpu_tests_are_skipped_with_the_reason_only_without_cuda(
    monkeypatch: pytest.MonkeyPatch, cuda: bool
) -> None:
    conftest = _conftest()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    gpu, plain, slow = FakeItem("gpu"), FakeItem(), FakeItem("slow")
    conftest.pytest_collection_modifyitems(None, [gpu, plain, slow])
    assert plain.added == [] and slow.added == []
    if cuda:
        assert gpu.added == []
    else:
        (marker,) = gpu.added
        assert marker.name == "skip" and marker.kwargs["reason"] == conftest.NO_CUDA


def test_every_test_of_the_gpu_folder_carries_the_marker() -> None:
    # A test in tests/gpu without it would fail on every CPU-only machine instead of skipping.
    for path in sorted((Path(__file__).parent / "gpu").glob("test_*.py")):
        assert "pytestmark = pytest.mark.gpu" in path.read_text(encoding="utf-8"), path.name
