"""LightGCN: linear propagation over the normalised graph, mean of layers 0..L (SPEC.md 3.2)."""

from __future__ import annotations

import torch
from torch import nn

from talosbench.hparams import HParam
from talosbench.models.base import Backbone
from talosbench.models.graph import normalized_adjacency


class LightGCN(Backbone):
    """``E^(l+1) = A_hat E^(l)``; the representation is the mean of ``E^(0)..E^(L)``; ``N(0,1)`` init."""

    name = "lightgcn"
    hparams = (HParam("layers", int, 2, "propagation layers L", space=(1, 2, 3), low=0, high=8),)

    def __init__(
        self,
        n_users: int,
        n_items: int,
        train_users: torch.Tensor,
        train_items: torch.Tensor,
        dim: int,
        normalize: bool,
        generator: torch.Generator,
        layers: int = 2,
    ) -> None:
        super().__init__(n_users, n_items, train_users, train_items, dim, normalize, generator)
        self.layers = layers
        self.embedding = nn.Parameter(torch.randn(n_users + n_items, dim, generator=generator))
        adjacency = normalized_adjacency(n_users, n_items, train_users, train_items)
        self.register_buffer("adjacency", adjacency, persistent=False)  # rebuilt, never snapshotted

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = total = self.embedding
        for _ in range(self.layers):
            x = self.adjacency @ x
            total = total + x
        out = total / (self.layers + 1)
        return out[: self.n_users], out[self.n_users :]
