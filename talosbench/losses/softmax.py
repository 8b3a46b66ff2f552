"""Softmax-family losses: SL, BSL and PSL (denominators over the sampled negatives only)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from talosbench.declared.losses import softmax as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register


@register
class SL(Loss):
    """Sampled softmax loss (Talos paper Eq. 2.3, sampled form): docs/protocol.md §2.2.

    ``L = mean_b [LSE_j(s_bj/τ) − s⁺_b/τ]``; as in the reference, the positive is not in the
    denominator (the paper sums over all items).
    """

    declared = declarations.SL

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, *, tau: float
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau = tau

    def forward(self, batch: ScoreBatch) -> LossTerms:
        lse = torch.logsumexp(batch.neg / self.tau, dim=1)
        return LossTerms((lse - batch.pos / self.tau).mean())


@register
class BSL(Loss):
    """Bilateral softmax loss (Wu et al., "BSL", ICDE 2024): docs/protocol.md §2.3.

    ``L = mean_b [(τ₂/τ₁)·LSE_j(s_bj/τ₂) − s⁺_b/τ₁]``; equals SL when ``τ₁ = τ₂``.
    """

    declared = declarations.BSL

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, *, tau: float, tau2: float
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.tau2 = tau, tau2

    def forward(self, batch: ScoreBatch) -> LossTerms:
        lse = torch.logsumexp(batch.neg / self.tau2, dim=1)
        return LossTerms((self.tau2 / self.tau * lse - batch.pos / self.tau).mean())


def _log_of_positive(x: torch.Tensor) -> torch.Tensor:
    """``log(x)`` where ``x > 0`` and ``−∞`` elsewhere, with zero (not NaN) gradient on the dead side."""
    alive = x > 0
    return torch.where(alive, torch.log(torch.where(alive, x, torch.ones_like(x))), -math.inf)


def _psl_phi(d: torch.Tensor, activation: str) -> torch.Tensor:
    """``φ(d)``, the log of PSL's surrogate of ``exp(d)`` (docs/protocol.md §2.4 table)."""
    if activation == "tanh":
        # log(tanh(d) + 1) = log 2 + logσ(2d), exact and free of the underflow of tanh(d) + 1.
        return math.log(2.0) + F.logsigmoid(2.0 * d)
    if activation == "relu":
        return _log_of_positive(d + 1.0)
    if activation == "arctan":
        return _log_of_positive(torch.arctan(d) + 1.0)
    return d  # exp: φ(d) = d


@register
class PSL(Loss):
    """Pairwise softmax loss (Yang et al., "PSL", NeurIPS 2024): docs/protocol.md §2.4.

    ``L = mean_b LSE_j(φ((s_bj − s⁺_b)/2)/τ)``. talosbench defaults to the paper's ``tanh``
    activation (the reference defaults to ``exp``, which is SL at temperature ``2τ``). For ``relu``
    and ``arctan`` a pair whose surrogate is ≤ 0 contributes ``−∞`` to the log-sum-exp (the
    reference value) but a zero gradient instead of the reference's NaN.
    """

    declared = declarations.PSL

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        activation: str,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau, self.activation = tau, activation

    def forward(self, batch: ScoreBatch) -> LossTerms:
        d = (batch.neg - batch.pos.unsqueeze(1)) / 2.0
        return LossTerms(torch.logsumexp(_psl_phi(d, self.activation) / self.tau, dim=1).mean())
