"""Device selection works the same on machines with and without CUDA (CUDA is faked here)."""

from __future__ import annotations

import pytest
import torch

from talosbench.device import DeviceError, check_device, device_name, resolve_device


def test_auto_prefers_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device(" CUDA:1 ") == torch.device("cuda", 1)
    with pytest.raises(DeviceError, match="has 2 CUDA device"):
        resolve_device("cuda:2")


def test_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    for spec in ("cuda", "cuda:0"):
        with pytest.raises(DeviceError, match="--device cpu or auto"):
            resolve_device(spec)
    with pytest.raises(DeviceError, match="valid: auto, cpu, cuda, cuda:N"):
        resolve_device("tpu")
    assert device_name(torch.device("cpu")) == "cpu"


def test_check_device_checks_the_form_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def probe() -> bool:
        raise AssertionError("check_device must not probe the machine")

    monkeypatch.setattr(torch.cuda, "is_available", probe)
    assert [check_device(s) for s in ("auto", "cpu", " CUDA ", "cuda:3")] == ["auto", "cpu", "cuda", "cuda:3"]
    for spec in ("gpu", "cuda:", "cuda:x", "cpu:0", ""):
        with pytest.raises(DeviceError, match="valid: auto, cpu, cuda, cuda:N") as info:
            check_device(spec)
        assert info.value.exit_code == 2
