"""LightGCN (``talosbench.backbones.lightgcn``)."""

from __future__ import annotations

from talosbench.declared.base import BackboneDeclaration, declare
from talosbench.hparams import HParam

LIGHTGCN = declare(
    BackboneDeclaration(
        name="lightgcn",
        listing_position=2,
        hparams=(HParam("layers", int, 2, "propagation layers L", space=(1, 2, 3), low=0, high=8),),
    )
)
