"""The interface every backbone implements."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from talosbench.hparams import HParam


class Backbone(nn.Module):
    """Produces the final user and item representations from the training graph.

    Subclasses set ``name`` and ``hparams`` and accept ``**hparams`` matching that schema.
    ``forward()`` returns the *raw* final representations ``(users n_users x d, items n_items x d)``;
    the scorer L2-normalises the rows it uses when cosine scores are on, so normalisation is never
    paid for rows a batch does not touch. Graph backbones propagate once per call: the trainer calls
    ``forward()`` once per batch and once per evaluation pass.
    """

    name: ClassVar[str]
    hparams: ClassVar[tuple[HParam, ...]] = ()

    def __init__(
        self,
        n_users: int,
        n_items: int,
        train_users: torch.Tensor,
        train_items: torch.Tensor,
        dim: int,
        normalize: bool,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.n_users, self.n_items, self.dim, self.normalize = n_users, n_items, dim, normalize
        self.generator = generator

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def aux_loss(self, users: torch.Tensor, pos_items: torch.Tensor) -> torch.Tensor | None:
        """Auxiliary objective of the last ``forward()`` in training mode (XSimGCL's contrastive loss).

        ``users`` and ``pos_items`` are the batch rows; backbones without one return None.
        """
        return None
