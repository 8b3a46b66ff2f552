"""Matrix factorisation: the representations are the embedding tables (docs/protocol.md §3.1)."""

from __future__ import annotations

import torch
from torch import nn

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.hparams import HParam


class MF(Backbone):
    """One user and one item embedding table, ``N(0, init_std²)`` initialised (reference: std 1)."""

    name = "mf"
    hparams = (
        HParam(
            "init_std",
            float,
            1.0,
            "std of the normal initialisation (reference 1.0; the original LightGCN used 0.1)",
            low=0.0,
        ),
    )

    def __init__(
        self,
        inputs: BackboneInputs,
        init_std: float = 1.0,
    ) -> None:
        super().__init__(inputs)
        self.users = nn.Parameter(torch.randn(self.n_users, self.dim, generator=self.generator) * init_std)
        self.items = nn.Parameter(torch.randn(self.n_items, self.dim, generator=self.generator) * init_std)

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.users, self.items
