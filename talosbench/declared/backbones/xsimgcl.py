"""XSimGCL (``talosbench.backbones.xsimgcl``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from talosbench.declared.base import BackboneDeclaration, declare
from talosbench.hparams import HParam


def _view_below_output(values: Mapping[str, Any]) -> str | None:
    """The contrastive view is the output of a propagation layer, so ``cl_layer`` must be below ``layers``."""
    if values["cl_layer"] >= values["layers"]:
        return f"cl_layer must be below layers ({values['layers']}), got {values['cl_layer']}"
    return None


# The defaults' reasons are in the docstring of the XSimGCL class (``talosbench backbones xsimgcl``).
XSIMGCL = declare(
    BackboneDeclaration(
        name="xsimgcl",
        listing_position=3,
        hparams=(
            HParam("layers", int, 3, "propagation layers L", space=(1, 2, 3), low=1, high=8),
            HParam("eps", float, 0.1, "noise magnitude epsilon", space=(0.1,), low=0.0),
            HParam(
                "cl_temp", float, 0.1, "InfoNCE temperature of the contrastive loss", space=(0.1,), low=1e-6
            ),
            HParam(
                "cl_rate",
                float,
                0.1,
                "contrastive loss weight lambda_cl",
                space=(0.01, 0.05, 0.1, 0.2),
                low=0.0,
            ),
            HParam("cl_layer", int, 0, "contrastive view = output of propagation layer cl_layer + 1", low=0),
        ),
        rule=_view_below_output,
    )
)
