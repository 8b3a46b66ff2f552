"""A run's kept weights: written with the configuration that rebuilds them, refused when not this run's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talosbench.config import RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.model_file import read_model
from talosbench.results.read import read_config

from .conftest import run_result, write_demo


def test_weights_are_kept_with_the_configuration_that_rebuilds_them(tmp_path: Path) -> None:
    import torch

    config = RunConfig(dataset="synthetic", loss="talos", lr=0.01)
    weights = {"backbone.user.weight": torch.arange(6.0).reshape(3, 2), "loss.thresholds": torch.ones(3)}
    directory = write_demo(tmp_path, config, result=run_result(model=weights))
    tensors, metadata = read_model(directory)
    assert tensors.keys() == weights.keys() and all(torch.equal(tensors[k], weights[k]) for k in weights)
    assert metadata["run_id"] == config.run_id and metadata["format"] == "talosbench-model/1"
    assert json.loads(metadata["config"])["lr"] == 0.01
    assert read_config(directory) == config  # config.json rebuilds the run it belongs to
    write_demo(tmp_path, config)  # trained again without keeping weights: the old ones are not this run's
    with pytest.raises(ResultsError, match="holds no saved model; train the run again with"):
        read_model(directory)


def test_weights_of_another_run_or_a_truncated_file_are_damage(tmp_path: Path) -> None:
    import torch

    weights = {"backbone.user.weight": torch.ones(2, 2)}
    one = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=1), result=run_result(model=weights))
    other = write_demo(tmp_path, RunConfig(dataset="synthetic", seed=2), result=run_result(model=weights))
    data = (one / "model.safetensors").read_bytes()
    (other / "model.safetensors").write_bytes(data)
    with pytest.raises(DamagedRunError, match=f"model.safetensors belongs to run {one.name}, not to this"):
        read_model(other)
    (other / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedRunError, match=r"model.safetensors cannot be read \("):
        read_model(other)
