"""Training losses: one module per family, all registered in ``LOSSES`` (SPEC.md section 2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from talosbench.hparams import resolve
from talosbench.losses import adversarial, listwise, pairwise, pauc, softmax, talos, topk
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import LOSSES

__all__ = ["LOSSES", "SPEC_ORDER", "Loss", "LossTerms", "ScoreBatch", "build_loss"]
_FAMILIES = (adversarial, listwise, pairwise, pauc, softmax, talos, topk)  # imported for their registrations

SPEC_ORDER = (
    "bpr", "sl", "bsl", "psl", "advinfonce", "llpauc", "slatk", "aatp", "smoothi", "rsk",
    "talos", "talos-no-quantile", "talos-inside-temp", "talos-no-denominator", "neuralndcg",
)  # fmt: skip
"""The order of SPEC.md section 2, in which listings show the losses."""


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
