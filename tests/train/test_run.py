"""``check_config``: a configuration that cannot run fails before any data is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.config import RunConfig
from talosbench.device import DeviceError
from talosbench.train.run import check_config


def test_a_device_this_machine_lacks_is_refused_by_check_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="device 'cuda:0' was requested but CUDA is not available"):
        check_config(RunConfig(dataset="synthetic", device="cuda:0"))
    check_config(RunConfig(dataset="synthetic", device="cpu"))


def test_train_on_a_missing_device_fails_before_preparing_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    home = tmp_path / "home"
    args = ["train", "--dataset", "synthetic", "--device", "cuda", "--data-dir", str(home)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "error: device 'cuda' was requested but CUDA is not available here" in result.output
    assert "generating" not in result.output and not home.exists()  # nothing generated or split
