"""Shared by the ``gpu`` tests: the CUDA device and the synthetic splits they train on."""

from __future__ import annotations

import pytest
import torch

from talosbench.bench.measure import SCALES, synthetic_split
from talosbench.data import prepare_split
from talosbench.data.split import Split

DEVICE = "cuda:0"
"""The device under test: the first GPU, as `--devices cuda:0` names it."""


@pytest.fixture(scope="session")
def device() -> torch.device:
    return torch.device(DEVICE)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Split:
    """Small synthetic data (150 users, 90 items, ~3k training rows): every pair trains in a moment."""
    sizes = {"n_users": 150, "n_items": 90, "n_interactions": 4000}
    return prepare_split("synthetic", "iid", 0, data_dir=tmp_path_factory.mktemp("data"), preprocess=sizes)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Split:
    """The embedded generator's default size: about 950 users, 490 items and 29k interactions."""
    return prepare_split("synthetic", "iid", 0, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def beauty() -> Split:
    """Synthetic interactions of Amazon Beauty's size, as `talosbench bench --scale beauty` trains on."""
    return synthetic_split(SCALES["beauty"])
