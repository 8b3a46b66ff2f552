"""Softmax-family losses: SL, BSL and PSL (denominators over the sampled negatives only)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from talosbench.hparams import HParam, resolve
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.common import tau_param
from talosbench.losses.registry import register


@register
class SL(Loss):
    """Sampled softmax loss (Talos paper Eq. 2.3, sampled form): docs/protocol.md §2.2.

    ``L = mean_b [LSE_j(s_bj/τ) − s⁺_b/τ]``; as in the reference, the positive is not in the
    denominator (the paper sums over all items).
    """

    name = "sl"
    listing_position = 2
    paper_table_position = 5
    in_paper = True
    hparams = (tau_param(),)

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, **hparams: object
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau = resolve(self.hparams, hparams, f"{self.name}.")["tau"]

    def forward(self, batch: ScoreBatch) -> LossTerms:
        lse = torch.logsumexp(batch.neg / self.tau, dim=1)
        return LossTerms((lse - batch.pos / self.tau).mean())


@register
class BSL(Loss):
    """Bilateral softmax loss (Wu et al., "BSL", ICDE 2024): docs/protocol.md §2.3.

    ``L = mean_b [(τ₂/τ₁)·LSE_j(s_bj/τ₂) − s⁺_b/τ₁]``; equals SL when ``τ₁ = τ₂``.
    """

    name = "bsl"
    listing_position = 3
    paper_table_position = 6
    in_paper = True
    hparams = (
        tau_param(help="positive-side temperature τ₁ (reference flag ssm_temp)"),
        tau_param(
            "tau2",
            1.0,
            help="negative-side temperature τ₂ (reference flag ssm_temp2); the "
            "reference's default 1.0 is outside the paper's grid (τ₂ = τ₁ would make BSL plain SL)",
        ),
    )

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, **hparams: object
    ) -> None:
        super().__init__(n_users, n_items, generator)
        hp = resolve(self.hparams, hparams, f"{self.name}.")
        self.tau, self.tau2 = hp["tau"], hp["tau2"]

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

    name = "psl"
    listing_position = 4
    paper_table_position = 7
    in_paper = True
    hparams = (
        tau_param(),
        HParam(
            "activation",
            str,
            "tanh",
            "surrogate of exp (reference flag activate_func); paper uses tanh",
            space=("tanh",),
            choices=("tanh", "relu", "arctan", "exp"),
        ),
    )

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, **hparams: object
    ) -> None:
        super().__init__(n_users, n_items, generator)
        hp = resolve(self.hparams, hparams, f"{self.name}.")
        self.tau, self.activation = hp["tau"], hp["activation"]

    def forward(self, batch: ScoreBatch) -> LossTerms:
        d = (batch.neg - batch.pos.unsqueeze(1)) / 2.0
        return LossTerms(torch.logsumexp(_psl_phi(d, self.activation) / self.tau, dim=1).mean())
