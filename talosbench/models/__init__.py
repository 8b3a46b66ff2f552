"""Backbones behind one interface, registered by short name (``mf``, ``lightgcn``, ``xsimgcl``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from talosbench.hparams import resolve
from talosbench.models.base import Backbone
from talosbench.models.lightgcn import LightGCN
from talosbench.models.mf import MF
from talosbench.models.xsimgcl import XSimGCL
from talosbench.registry import Registry

BACKBONES: Registry[type[Backbone]] = Registry("backbone")
for _cls in (MF, LightGCN, XSimGCL):
    BACKBONES.add(_cls.name, _cls)


def build_backbone(
    name: str,
    n_users: int,
    n_items: int,
    train_users: torch.Tensor,
    train_items: torch.Tensor,
    dim: int,
    normalize: bool,
    generator: torch.Generator,
    params: Mapping[str, Any],
) -> Backbone:
    """The registered backbone ``name`` with ``params`` validated against its schema."""
    cls = BACKBONES.get(name)
    values = resolve(cls.hparams, params, where=f"backbone {name}: ")
    return cls(n_users, n_items, train_users, train_items, dim, normalize, generator, **values)


__all__ = ["BACKBONES", "Backbone", "build_backbone"]
