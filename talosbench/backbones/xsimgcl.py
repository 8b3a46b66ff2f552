"""XSimGCL: LightGCN propagation with noise and a cross-layer contrastive loss (docs/protocol.md §3.3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.graph import normalized_adjacency
from talosbench.backbones.registry import register
from talosbench.declared.backbones import xsimgcl as declarations


def info_nce(view: torch.Tensor, other: torch.Tensor, temperature: float) -> torch.Tensor:
    """``-mean_i log softmax_k(<z_i, z'_k> / t)[i]`` with in-batch negatives."""
    logits = view @ other.t() / temperature
    return F.cross_entropy(logits, torch.arange(view.shape[0], device=view.device))


@register
class XSimGCL(Backbone):
    """Xavier-initialised tables; in training mode each layer adds ``eps * sign(E) * normalize(U[0,1))``.

    The representation is the mean of layers ``1..L``; the contrastive view is layer
    ``cl_layer + 1``. Defaults are the paper's (3 layers, temperature 0.1, docs/protocol.md §10.1);
    ``cl_rate`` defaults to 0.1, the middle of the paper's grid {0.01, 0.05, 0.1, 0.2}, since the
    reference's 0.001 lies outside it. ``cl_layer`` must be below ``layers`` (its record's rule).
    """

    declared = declarations.XSIMGCL

    def __init__(
        self,
        inputs: BackboneInputs,
        *,
        layers: int,
        eps: float,
        cl_temp: float,
        cl_rate: float,
        cl_layer: int,
    ) -> None:
        super().__init__(inputs)
        self.layers, self.eps, self.cl_layer = layers, eps, cl_layer
        self.cl_temp, self.cl_rate = cl_temp, cl_rate
        users, items = torch.empty(self.n_users, self.dim), torch.empty(self.n_items, self.dim)
        nn.init.xavier_uniform_(users, generator=self.generator)
        nn.init.xavier_uniform_(items, generator=self.generator)
        self.embedding = nn.Parameter(torch.cat([users, items]))
        adjacency = normalized_adjacency(self.n_users, self.n_items, inputs.train_users, inputs.train_items)
        self.register_buffer("adjacency", adjacency, persistent=False)  # rebuilt, never snapshotted
        self._view: torch.Tensor | None = None
        self._final: torch.Tensor | None = None

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, total, view = self.embedding, None, None
        for layer in range(self.layers):
            x = self.adjacency @ x
            if self.training and self.eps > 0:
                noise = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
                x = x + self.eps * torch.sign(x) * F.normalize(noise, dim=1)
            total = x if total is None else total + x
            if layer == self.cl_layer:
                view = x
        assert total is not None
        out = total / self.layers
        self._view, self._final = (view, out) if self.training else (None, None)
        return out[: self.n_users], out[self.n_users :]

    def aux_loss(self, users: torch.Tensor, pos_items: torch.Tensor) -> torch.Tensor | None:
        """``cl_rate * [InfoNCE over the batch's unique users + over its unique positive items]``."""
        if self._view is None or self._final is None or self.cl_rate == 0:
            return None
        rows = (torch.unique(users), torch.unique(pos_items) + self.n_users)
        loss = self._final.new_zeros(())
        for ids in rows:
            final, view = self._final[ids], self._view[ids]
            if self.normalize:
                final, view = F.normalize(final, dim=1), F.normalize(view, dim=1)
            loss = loss + info_nce(final, view, self.cl_temp)
        return self.cl_rate * loss
