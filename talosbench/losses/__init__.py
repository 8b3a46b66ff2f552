"""Training losses: one module per family, each loss registered in ``LOSSES`` (docs/protocol.md §2).

Every module of this package is imported here, so a new module file with a ``@register`` class is
picked up by the CLI, suites, report and tests with no other edit (see ``Loss`` for the traits).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

import torch

from talosbench.hparams import resolve
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import LOSSES, register

__all__ = [
    "LOSSES",
    "Loss",
    "LossTerms",
    "ScoreBatch",
    "build_loss",
    "listing_order",
    "paper_table_order",
    "register",
]


def _import_every_module() -> None:
    """Import each module of the package (in name order), so that its ``@register`` classes register."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_every_module()


def listing_order() -> list[str]:
    """Every loss name, those with a ``listing_position`` first in its order, the rest as registered."""
    return _by_position(LOSSES.names(), lambda cls: cls.listing_position)


def paper_table_order() -> tuple[str, ...]:
    """The paper's baselines in the order of its tables (``Loss.paper_table_position``)."""
    names = [n for n in LOSSES.names() if LOSSES.get(n).paper_table_position is not None]
    return tuple(_by_position(names, lambda cls: cls.paper_table_position))


def _by_position(names: list[str], position: Callable[[type[Loss]], int | None]) -> list[str]:
    """``names`` sorted by each class's position (None last); the sort is stable, ties keep their order."""

    def key(name: str) -> tuple[bool, int]:
        place = position(LOSSES.get(name))
        return (place is None, place or 0)

    return sorted(names, key=key)


def build_loss(
    name: str,
    n_users: int,
    n_items: int,
    params: Mapping[str, Any],
    generator: torch.Generator | None = None,
) -> Loss:
    """The registered loss ``name`` with ``params`` over its defaults (UnknownNameError, HParamError)."""
    cls = LOSSES.get(name)
    return cls(n_users, n_items, generator, **resolve(cls.hparams, params, f"{name}."))
