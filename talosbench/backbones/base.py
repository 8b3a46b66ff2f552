"""The interface every backbone implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from talosbench.declared.base import BackboneDeclaration


@dataclass(frozen=True)
class BackboneInputs:
    """What every backbone is built from, whatever its own hyper-parameters."""

    n_users: int
    """Rows of the user table."""
    n_items: int
    """Rows of the item table."""
    train_users: torch.Tensor
    """(nnz,) long: the user of each training interaction (graph backbones build their adjacency)."""
    train_items: torch.Tensor
    """(nnz,) long: the item of each training interaction."""
    dim: int
    """Embedding width."""
    normalize: bool
    """Whether scores are cosines (the scorer normalises; XSimGCL's contrastive views follow it)."""
    generator: torch.Generator
    """Initialisation (and, for XSimGCL, noise) randomness, derived from the run seed."""


class Backbone(nn.Module):
    """Produces the final user and item representations from the training graph.

    Subclasses set ``declared`` to their ``BackboneDeclaration`` (declared in the module of the same name
    under ``talosbench.declared.backbones``) and take a ``BackboneInputs`` plus its resolved
    hyper-parameters as keyword arguments; ``@register`` adds them under the record's name.
    ``forward()`` returns the *raw* final representations ``(users n_users x d, items n_items x d)``;
    the scorer L2-normalises the rows it uses when cosine scores are on, so normalisation is never
    paid for rows a batch does not touch. Graph backbones propagate once per call: the trainer calls
    ``forward()`` once per batch and once per evaluation pass.
    """

    declared: ClassVar[BackboneDeclaration]
    """What the backbone declares: name and hyper-parameters (the constructor's keywords)."""

    def __init__(self, inputs: BackboneInputs) -> None:
        super().__init__()
        self.n_users, self.n_items, self.dim = inputs.n_users, inputs.n_items, inputs.dim
        self.normalize, self.generator = inputs.normalize, inputs.generator

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def aux_loss(self, users: torch.Tensor, pos_items: torch.Tensor) -> torch.Tensor | None:
        """Auxiliary objective of the last ``forward()`` in training mode (XSimGCL's contrastive loss).

        ``users`` and ``pos_items`` are the batch rows; backbones without one return None.
        """
        return None
