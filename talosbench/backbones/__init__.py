"""Backbones behind one interface, registered by short name (``mf``, ``lightgcn``, ``xsimgcl``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.lightgcn import LightGCN
from talosbench.backbones.mf import MF
from talosbench.backbones.xsimgcl import XSimGCL
from talosbench.hparams import resolve
from talosbench.registry import Registry

BACKBONES: Registry[type[Backbone]] = Registry("backbone")
for _cls in (MF, LightGCN, XSimGCL):
    BACKBONES.add(_cls.name, _cls)


def build_backbone(name: str, inputs: BackboneInputs, params: Mapping[str, Any]) -> Backbone:
    """The registered backbone ``name`` with ``params`` validated against its schema."""
    cls = BACKBONES.get(name)
    values = resolve(cls.hparams, params, where=f"backbone {name}: ")
    return cls(inputs, **values)


__all__ = ["BACKBONES", "Backbone", "BackboneInputs", "build_backbone"]
