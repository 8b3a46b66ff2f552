"""NeuralNDCG@K: a differentiable NDCG through NeuralSort and Sinkhorn scaling (optional baseline)."""

from __future__ import annotations

import torch

from talosbench.declared.losses import listwise as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register

SINKHORN_ITERS, SINKHORN_TOL, EPS = 50, 1e-6, 1e-10


def neural_sort(x: torch.Tensor, tau: float) -> torch.Tensor:
    """Deterministic NeuralSort (Grover et al., 2019): ``P̂[b, m, i]`` = soft "item i sits at rank m"."""
    length = x.shape[1]
    a = (x.unsqueeze(2) - x.unsqueeze(1)).abs().sum(2)  # (B, L): Σ_k |x_i − x_k|
    scale = length + 1 - 2 * torch.arange(1, length + 1, device=x.device, dtype=x.dtype)  # (L,)
    logits = scale.view(1, -1, 1) * x.unsqueeze(1) - a.unsqueeze(1)  # (B, m, i)
    return torch.softmax(logits / tau, dim=2)


def sinkhorn(p: torch.Tensor) -> torch.Tensor:
    """Alternate column then row normalisation until doubly stochastic (allRank's stopping rule)."""
    for _ in range(SINKHORN_ITERS):
        p = p / p.sum(dim=1, keepdim=True).clamp(min=EPS)
        p = p / p.sum(dim=2, keepdim=True).clamp(min=EPS)
        rows_ok = (p.sum(dim=2) - 1).abs().max() < SINKHORN_TOL
        cols_ok = (p.sum(dim=1) - 1).abs().max() < SINKHORN_TOL
        if bool(rows_ok & cols_ok):
            break
    return p


@register
class NeuralNDCG(Loss):
    """NeuralNDCG@K (Pobrotyn & Białobrzeski, 2021), registered by the reference but unused by the paper.

    On ``x = [s⁺, s_1..s_N]`` with relevance ``(1, 0, …, 0)``: ``L = −mean_b Σ_{m<K} P̂[m, 0]/log₂(m+2)``
    with ``P̂`` the Sinkhorn-scaled NeuralSort matrix (docs/protocol.md §2.11). Memory and time are
    ``O(B·(N+1)²)`` per Sinkhorn iteration, so its default is the reference code's ``N = 64``
    rather than the paper protocol's 1024 (≈ 4 GB per float32 ``B×N×N`` tensor at batch 1024).
    """

    declared = declarations.NEURAL_NDCG

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, *, tau: float, k: int
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.k = tau, k

    def forward(self, batch: ScoreBatch) -> LossTerms:
        x = torch.cat([batch.pos.unsqueeze(1), batch.neg], dim=1)
        p = sinkhorn(neural_sort(x, self.tau))
        top = min(self.k, x.shape[1])
        discounts = 1.0 / torch.log2(torch.arange(2, top + 2, device=x.device, dtype=x.dtype))
        # Only the positive (column 0) has a gain (2^1 − 1 = 1); the ideal DCG is 1.
        ndcg = (p[:, :top, 0] * discounts).sum(1) / (1.0 + EPS)
        return LossTerms(-ndcg.mean())
