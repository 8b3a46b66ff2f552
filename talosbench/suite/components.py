"""The names and hyper-parameter schemas a suite may use, from where they are declared.

Losses, backbones and metrics are declared in ``talosbench.declared`` (records without torch: validating
a suite must not import it, which would take a second and tie the suite layer to the trainer).
Datasets and scenarios come from the data package, which has no torch to avoid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talosbench.declared.backbones import DECLARED_BACKBONES
from talosbench.declared.backbones import listing_order as backbone_order
from talosbench.declared.base import BackboneDeclaration, LossDeclaration
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.declared.metrics import METRICS


def loss_names() -> list[str]:
    return DECLARED_LOSSES.names()


def loss(name: str) -> LossDeclaration:
    """The declaration of loss ``name`` (UnknownNameError)."""
    return DECLARED_LOSSES.get(name)


def backbone_names() -> list[str]:
    """Every backbone, in the order they are listed."""
    return backbone_order()


def backbone(name: str) -> BackboneDeclaration:
    """The declaration of backbone ``name`` (UnknownNameError)."""
    return DECLARED_BACKBONES.get(name)


def scenario_names() -> list[str]:
    from talosbench.data.scenarios import SCENARIOS  # imported on first use, keeping the CLI fast

    return list(SCENARIOS)


def dataset_names(data_dir: Path | None = None) -> list[str]:
    """Catalog datasets, then those imported (``download --file``) into the data home of ``data_dir``."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.entries import imported_names
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
    folder of ready-made splits) and the split options (``cold``, ``valid``, ...), each with its default."""
    from talosbench.data.entries import get_entry
    from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY
    from talosbench.data.split import split_defaults
    from talosbench.data.store import data_home

    entry = get_entry(dataset, data_home(data_dir))
    options = {} if entry.raw_format == "splits" else {ORDER_KEY: FILTER_ORDERS[0], **entry.preprocess}
    return {**options, **split_defaults()}


def option_choices(key: str) -> tuple[str, ...] | None:
    """The allowed values of a ``[datasets.<name>]`` option that takes a fixed set of words, else None."""
    from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY
    from talosbench.data.split import SPLIT_OPTIONS

    return FILTER_ORDERS if key == ORDER_KEY else SPLIT_OPTIONS.get(key)


def metric_names() -> list[str]:
    """Metric families every run evaluates (``precision``, ``recall``, ...)."""
    return list(METRICS)
