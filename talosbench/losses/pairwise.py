"""Pairwise losses: BPR."""

from __future__ import annotations

import torch.nn.functional as F

from talosbench.declared.losses import pairwise as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register


@register
class BPR(Loss):
    """BPR (Rendle et al., UAI 2009; Talos paper Eq. 2.2 with the sign fixed): docs/protocol.md §2.1.

    ``L = mean_b softplus(s_bj − s⁺_b)``. The reference uses one negative per row; with ``N > 1``
    this averages over every (row, negative) pair, which equals the reference at ``N = 1``.
    Raw dot-product scores (no normalisation) are the reference setting.
    """

    declared = declarations.BPR

    def forward(self, batch: ScoreBatch) -> LossTerms:
        # softplus is -logσ of the margin and stays finite for unbounded scores.
        return LossTerms(F.softplus(batch.neg - batch.pos.unsqueeze(1)).mean())
