"""LightGCN: linear propagation over the normalised graph, mean of layers 0..L (docs/protocol.md §3.2)."""

from __future__ import annotations

import torch
from torch import nn

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.graph import normalized_adjacency
from talosbench.backbones.registry import register
from talosbench.declared.backbones import lightgcn as declarations


@register
class LightGCN(Backbone):
    """``E^(l+1) = A_hat E^(l)``; the representation is the mean of ``E^(0)..E^(L)``; ``N(0,1)`` init."""

    declared = declarations.LIGHTGCN

    def __init__(self, inputs: BackboneInputs, *, layers: int) -> None:
        super().__init__(inputs)
        self.layers = layers
        rows = self.n_users + self.n_items
        self.embedding = nn.Parameter(torch.randn(rows, self.dim, generator=self.generator))
        adjacency = normalized_adjacency(self.n_users, self.n_items, inputs.train_users, inputs.train_items)
        self.register_buffer("adjacency", adjacency, persistent=False)  # rebuilt, never snapshotted

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = total = self.embedding
        for _ in range(self.layers):
            x = self.adjacency @ x
            total = total + x
        out = total / (self.layers + 1)
        return out[: self.n_users], out[self.n_users :]
