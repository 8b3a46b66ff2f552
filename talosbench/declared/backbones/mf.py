"""Matrix factorisation (``talosbench.backbones.mf``)."""

from __future__ import annotations

from talosbench.declared.base import BackboneDeclaration, declare
from talosbench.hparams import HParam

MF = declare(
    BackboneDeclaration(
        name="mf",
        listing_position=1,
        hparams=(
            HParam(
                "init_std",
                float,
                1.0,
                "std of the normal initialisation (reference 1.0; the original LightGCN used 0.1)",
                low=0.0,
            ),
        ),
    )
)
