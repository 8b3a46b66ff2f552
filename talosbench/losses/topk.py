"""Top-K surrogate baselines: SL@K, AATP, SmoothI@K and RS@K."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from talosbench.declared.losses import topk as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.common import sg_rows
from talosbench.losses.registry import register
from talosbench.losses.talos import LearnedThresholdLoss


@register
class SLatK(Loss):
    """SL@K (Yang et al., "Breaking the Top-K Barrier", KDD 2025) as in the reference: docs/protocol.md §2.7.

    ``β̂_b`` = the ``min(K, P + N)``-th largest of the row's positive scores (padding and exact
    zeros replaced by −1, as the reference masks by value) and negative scores, without gradient
    and without rescaling K to the sample. ``L = mean_b σ((s⁺_b − β̂_b)/τ_w)·LSE_j((s_bj − s⁺_b)/τ)``,
    the weight not detached. The estimates are stored per user in the ``beta_hat`` buffer (last row
    of a user in the batch wins), which ``thresholds()`` returns and the loss never reads back.
    """

    declared = declarations.SL_AT_K

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        tau_w: float,
        k: int,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.tau_w, self.k = tau, tau_w, k
        self.register_buffer("beta_hat", torch.zeros(n_users))

    @torch.no_grad()
    def estimate(self, batch: ScoreBatch) -> torch.Tensor:
        """Per-row Monte-Carlo estimate ``β̂`` (B,) of the K-th largest score."""
        all_pos, mask = batch.padded_positives()
        real = mask & (all_pos != 0)
        pos = torch.where(real, all_pos, torch.full_like(all_pos, -1.0))
        pool = torch.cat([pos.to(batch.neg.dtype), batch.neg.detach()], dim=1)
        kth = min(self.k, pool.shape[1])
        return pool.topk(kth, dim=1).values[:, -1]

    def forward(self, batch: ScoreBatch) -> LossTerms:
        beta_hat = self.estimate(batch)
        self.beta_hat[batch.users] = beta_hat.to(self.beta_hat.dtype)
        weight = torch.sigmoid((batch.pos - beta_hat) / self.tau_w)
        lse = torch.logsumexp((batch.neg - batch.pos.unsqueeze(1)) / self.tau, dim=1)
        return LossTerms((weight * lse).mean())

    def thresholds(self) -> torch.Tensor:
        return self.beta_hat


@register
class AATP(LearnedThresholdLoss):
    """Accuracy at the top (Boyd et al., NeurIPS 2012) as in the Talos reference: docs/protocol.md §2.8.

    ``main = mean_b [max(0, 1 + sg(β_u) − s⁺_b) + mean_j max(0, 1 + s_bj − sg(β_u))]`` with the
    per-user threshold ``β`` learned by the Talos quantile term (``extra``, docs/protocol.md §2.12.2).
    """

    declared = declarations.AATP

    def forward(self, batch: ScoreBatch) -> LossTerms:
        shift = sg_rows(self.beta, batch.users).to(batch.neg.dtype)
        pos_hinge = F.relu(1.0 + shift.squeeze(1) - batch.pos)
        neg_hinge = F.relu(1.0 + batch.neg - shift).mean(1)
        return LossTerms((pos_hinge + neg_hinge).mean(), self.quantile(batch))


@register
class SmoothI(Loss):
    """SmoothI@K (Thonet et al., "Smooth Rank Indicators", 2021) as in the reference: docs/protocol.md §2.9.

    On the row ``x = [s⁺, s_1..s_N]``: ``m ← 1``; for k = 1..K, ``I_k = softmax(m·x/τ)[0]`` and
    ``m ← m·sg(1 − I_k − δ)``; ``L = mean_b (1 − mean_k I_k)``. This is the reference's
    positive-only multiplier, not the original per-item product. The default ``δ`` is the paper
    grid's value closest to the reference's 0.5.
    """

    declared = declarations.SMOOTHI

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        delta: float,
        k: int,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.delta, self.k = tau, delta, k

    def forward(self, batch: ScoreBatch) -> LossTerms:
        x = torch.cat([batch.pos.unsqueeze(1), batch.neg], dim=1)
        x = (x - x.min(dim=1, keepdim=True).values) / self.tau  # the shift is the reference's; no-op
        mult = torch.ones_like(batch.pos).unsqueeze(1)
        total = torch.zeros_like(batch.pos)
        for _ in range(self.k):
            indicator = torch.softmax(mult * x, dim=1)[:, 0]
            total = total + indicator
            mult = mult * (1.0 - indicator - self.delta).detach().unsqueeze(1)
        return LossTerms((1.0 - total / self.k).mean())


@register
class RSatK(Loss):
    """Recall@k Surrogate (Patel, Tolias & Matas, CVPR 2022) for a single K: docs/protocol.md §2.10.

    ``r_b = Σ_j σ((s_bj − s⁺_b)/τ₁)`` (rank among the sampled negatives) and
    ``L = mean_b [1 − σ((K − 1 − r_b)/τ₂)]``.
    """

    declared = declarations.RS_AT_K

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        rank_temp: float,
        k: int,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.rank_temp, self.k = tau, rank_temp, k

    def forward(self, batch: ScoreBatch) -> LossTerms:
        rank = torch.sigmoid((batch.neg - batch.pos.unsqueeze(1)) / self.tau).sum(1)
        # 1 − σ(z) = σ(−z)
        return LossTerms(torch.sigmoid((rank - (self.k - 1)) / self.rank_temp).mean())
