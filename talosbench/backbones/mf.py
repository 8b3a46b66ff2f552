"""Matrix factorisation: the representations are the embedding tables (docs/protocol.md §3.1)."""

from __future__ import annotations

import torch
from torch import nn

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.registry import register
from talosbench.declared.backbones import mf as declarations


@register
class MF(Backbone):
    """One user and one item embedding table, ``N(0, init_std²)`` initialised (reference: std 1)."""

    declared = declarations.MF

    def __init__(self, inputs: BackboneInputs, *, init_std: float) -> None:
        super().__init__(inputs)
        self.users = nn.Parameter(torch.randn(self.n_users, self.dim, generator=self.generator) * init_std)
        self.items = nn.Parameter(torch.randn(self.n_items, self.dim, generator=self.generator) * init_std)

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.users, self.items
