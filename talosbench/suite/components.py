"""Lazy views of the registries a suite names (imported on first use, keeping the CLI fast)."""

from __future__ import annotations

from typing import Any

from talosbench.hparams import HParam


def loss_names() -> list[str]:
    from talosbench.losses import LOSSES

    return list(LOSSES)


def loss_schema(name: str) -> tuple[HParam, ...]:
    from talosbench.losses import LOSSES

    return tuple(LOSSES.get(name).hparams)


def backbone_names() -> list[str]:
    from talosbench.models import BACKBONES

    return list(BACKBONES)


def backbone_schema(name: str) -> tuple[HParam, ...]:
    from talosbench.models import BACKBONES

    return tuple(BACKBONES.get(name).hparams)


def scenario_names() -> list[str]:
    from talosbench.data.scenarios import SCENARIOS

    return list(SCENARIOS)


def dataset_names() -> list[str]:
    from talosbench.data.catalog import CATALOG

    return list(CATALOG)


def preprocess_defaults(dataset: str) -> dict[str, Any]:
    """The catalog's preprocessing options of ``dataset``: what ``[datasets.<name>]`` may override."""
    from talosbench.data.catalog import CATALOG

    return dict(CATALOG.get(dataset).preprocess)


def metric_names() -> list[str]:
    """Metric families every run evaluates (``precision``, ``recall``, ...)."""
    from talosbench.train.trainer import metric_names as names

    return [name.split("@")[0] for name in names([1])]
