"""AdvInfoNCE: InfoNCE whose negatives are re-weighted by an adversarially trained hardness model."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from talosbench.declared.losses import adversarial as declarations
from talosbench.declared.losses.adversarial import adversarial_epoch_due
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.common import take_rows
from talosbench.losses.registry import register

HARDNESS_DIM = 64  # hard-coded in the reference (its w_emb_dim option is ignored)


@register
class AdvInfoNCE(Loss):
    """AdvInfoNCE (Zhang et al., NeurIPS 2023) as restated in docs/protocol.md §2.5.

    ``π_bj = softmax_j⟨p_{u_b}, q_j⟩`` over the row's negatives and
    ``L = mean_b [log(e^{s⁺/τ} + λ·N·Σ_j π_bj e^{s_bj/τ}) − s⁺/τ]`` (positive in the denominator).

    Trainer contract: the hardness tables ``p`` and ``q`` are *not* in ``param_groups``; in normal
    steps the model's Adam minimises ``forward(batch).total`` over the model parameters only (the
    tables' gradients are simply never stepped). Before epoch ``e`` the trainer asks
    ``adversarial_epoch_due(e, done)``; if due it runs one full epoch (fresh negatives) in which a
    second Adam over ``adversary_parameters()`` with ``adversary_lr()`` and the model's weight decay
    minimises ``−L`` (gradient ascent on ``L``; the backbone aux term does not depend on the tables),
    without stepping the model. ``forward`` therefore keeps π differentiable w.r.t. the tables.
    """

    declared = declarations.ADV_INFONCE

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        neg_weight: float,
        adv_interval: int,
        adv_epochs: int,
        adv_lr: float,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.neg_weight = tau, neg_weight
        self.adv_interval, self.adv_epochs, self.adv_lr = adv_interval, adv_epochs, adv_lr
        self.user_hardness = nn.Parameter(torch.empty(n_users, HARDNESS_DIM))
        self.item_hardness = nn.Parameter(torch.empty(n_items, HARDNESS_DIM))
        nn.init.xavier_normal_(self.user_hardness, generator=generator)
        nn.init.xavier_normal_(self.item_hardness, generator=generator)

    def log_weights(self, batch: ScoreBatch) -> torch.Tensor:
        """``log π_bj`` (B, N): log-softmax of the hardness logits over each row's negatives."""
        p = take_rows(self.user_hardness, batch.users)  # (B, d)
        q = take_rows(self.item_hardness, batch.neg_items)  # (B, N, d)
        logits = torch.einsum("bd,bnd->bn", p, q)
        return F.log_softmax(logits, dim=1)

    def forward(self, batch: ScoreBatch) -> LossTerms:
        pos = batch.pos / self.tau
        n = batch.neg.shape[1]
        weighted = math.log(self.neg_weight * n) + torch.logsumexp(
            self.log_weights(batch).to(batch.neg.dtype) + batch.neg / self.tau, dim=1
        )
        return LossTerms((torch.logaddexp(pos, weighted) - pos).mean())

    def adversary_parameters(self) -> list[nn.Parameter]:
        return [self.user_hardness, self.item_hardness]

    def adversary_lr(self) -> float:
        return self.adv_lr

    def adversarial_epoch_due(self, epoch: int, done: int) -> bool:
        return adversarial_epoch_due(epoch, done, self.adv_interval, self.adv_epochs)
