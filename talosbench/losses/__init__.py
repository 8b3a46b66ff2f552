"""Training losses: one module per family, each loss registered in ``LOSSES`` (docs/protocol.md §2).

Every module of this package is imported here, so a new module file with a ``@register`` class (and
its record in ``talosbench.declared.losses``) is picked up by the CLI, suites, report and tests with no
other edit (see ``LossDeclaration`` for the traits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import LOSSES, register
from talosbench.registry import import_modules

__all__ = ["LOSSES", "Loss", "LossTerms", "ScoreBatch", "build_loss", "register"]

import_modules(__name__, __path__)


def build_loss(
    name: str,
    n_users: int,
    n_items: int,
    values: Mapping[str, Any],
    generator: torch.Generator | None = None,
) -> Loss:
    """The registered loss ``name`` (UnknownNameError) built with resolved hyper-parameters ``values``.

    ``values`` are checked already: ``RunConfig.loss_values``, or ``declared.resolve(overrides)``.
    """
    return LOSSES.get(name)(n_users, n_items, generator, **values)
