"""The names and hyper-parameter schemas a suite may use, read from where they are declared.

Losses, backbones and metrics declare them in modules that import torch; validating a suite must
not (it would take a second and tie the suite layer to the trainer), so they are read with
``talosbench.declarations``: the same class attributes, without importing torch. Datasets and
scenarios come from the data package, which has no torch to avoid.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from talosbench.declarations import package_modules, plain, read
from talosbench.hparams import HParam
from talosbench.registry import Registry


@functools.cache
def _losses() -> Registry[Any]:
    # talosbench.losses imports each module of the package in this order, and so registers them.
    for module in package_modules("talosbench.losses"):
        read(module)
    return read("talosbench.losses.registry").LOSSES


@functools.cache
def _backbones() -> Registry[Any]:
    return read("talosbench.backbones").BACKBONES


def loss_names() -> list[str]:
    return list(_losses())


def loss_schema(name: str) -> tuple[HParam, ...]:
    return plain(tuple(_losses().get(name).hparams), f"the hparams of loss {name}")


def backbone_names() -> list[str]:
    return list(_backbones())


def backbone_schema(name: str) -> tuple[HParam, ...]:
    return plain(tuple(_backbones().get(name).hparams), f"the hparams of backbone {name}")


def scenario_names() -> list[str]:
    from talosbench.data.scenarios import SCENARIOS  # imported on first use, keeping the CLI fast

    return list(SCENARIOS)


def dataset_names(data_dir: Path | None = None) -> list[str]:
    """Catalog datasets, then those imported (``download --file``) into the data home of ``data_dir``."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.datasets import imported_names
    from talosbench.data.store import data_home

    return list(CATALOG) + [n for n in imported_names(data_home(data_dir)) if n not in CATALOG]


def import_hint(data_dir: Path | None = None) -> str:
    """How a dataset of one's own becomes a valid name: where ``dataset_names`` looks for imports."""
    from talosbench.data.store import data_home

    return (
        " A dataset of your own must first be imported with `talosbench download --file PATH --name NAME` "
        f"into the data home the run reads ({data_home(data_dir)}; set by --data-dir or $TALOSBENCH_HOME)."
    )


def preprocess_defaults(dataset: str, data_dir: Path | None = None) -> dict[str, Any]:
    """What ``[datasets.<name>]`` may set: the preprocessing options of ``dataset`` (none for an imported
    folder of ready-made splits) and the split options (``cold``), each with its default."""
    from talosbench.data.datasets import get_entry
    from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY
    from talosbench.data.split import SPLIT_OPTIONS
    from talosbench.data.store import data_home

    entry = get_entry(dataset, data_home(data_dir))
    options = {} if entry.raw_format == "splits" else {ORDER_KEY: FILTER_ORDERS[0], **entry.preprocess}
    return {**options, **{k: v[0] for k, v in SPLIT_OPTIONS.items()}}


def option_choices(key: str) -> tuple[str, ...] | None:
    """The allowed values of a ``[datasets.<name>]`` option that takes a fixed set of words, else None."""
    from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY
    from talosbench.data.split import SPLIT_OPTIONS

    return FILTER_ORDERS if key == ORDER_KEY else SPLIT_OPTIONS.get(key)


def metric_names() -> list[str]:
    """Metric families every run evaluates (``precision``, ``recall``, ...)."""
    return list(plain(read("talosbench.metrics").METRICS, "talosbench.metrics.METRICS"))
