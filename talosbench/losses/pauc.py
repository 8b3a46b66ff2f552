"""LLPAUC: a min-max surrogate of the lower-left partial AUC."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from talosbench.declared.losses import pauc as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register

# (name, initial value, lower bound, upper bound, lr multiplier): docs/protocol.md §2.6.
_AUX = (
    ("a", 1.0, 0.0, 1.0, 1.0),
    ("b", 0.0, 0.0, 1.0, 1.0),
    ("gamma", 0.0, -1.0, 1.0, 2.0),
    ("s_n", 0.5, 0.0, 5.0, 2.0),
    ("s_p", 0.5, -1.0, 4.0, 2.0),
    ("theta_a", 0.5, 0.0, 1e9, 1.0),
    ("theta_b", 0.5, 0.0, 1e9, 1.0),
)
_ASCENT = ("gamma", "s_p")  # maximised: their gradients are negated before the optimiser step


def _smooth_relu(x: torch.Tensor) -> torch.Tensor:
    """``ψ(x) = softplus(5x)/5``, the reference's smooth ``max(x, 0)``."""
    return F.softplus(5.0 * x) / 5.0


@register
class LLPAUC(Loss):
    """LLPAUC (Shi et al., "Lower-Left Partial AUC", WWW 2024): reference objective, docs/protocol.md §2.6.

    Seven scalar auxiliary parameters join the model's Adam through ``param_groups`` (lr multipliers
    1 for ``a, b, θ_a, θ_b`` and 2 for ``γ, s_n, s_p``; the model's weight decay on all). They are
    projected onto their boxes at the start of every ``forward`` (lazily, as the reference), and
    ``before_step`` negates the gradients of ``γ`` and ``s_p`` so the shared step ascends on them.
    Defaults: the paper gives grids only; talosbench takes the grid values closest to the reference
    defaults (α 0.75 → 0.7, β 0.80 → 0.1).
    """

    declared = declarations.LLPAUC

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        alpha: float,
        beta: float,
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.alpha, self.beta = alpha, beta
        for name, init, *_ in _AUX:
            self.register_parameter(name, nn.Parameter(torch.tensor(init)))

    def aux(self, name: str) -> nn.Parameter:
        """One of the seven auxiliary scalars by name."""
        return getattr(self, name)

    @torch.no_grad()
    def project(self) -> None:
        """Clamp every auxiliary scalar onto its feasible interval."""
        for name, _, low, high, _ in _AUX:
            self.aux(name).clamp_(low, high)

    def forward(self, batch: ScoreBatch) -> LossTerms:
        self.project()
        a, b, gamma, s_n, s_p, theta_a, theta_b = (self.aux(spec[0]) for spec in _AUX)
        p, n = torch.sigmoid(batch.pos), torch.sigmoid(batch.neg)
        pos_term = _smooth_relu(-((p - a) ** 2) + 2.0 * (1.0 + gamma) * p - s_p).mean()
        neg_term = _smooth_relu((n - b) ** 2 + 2.0 * (1.0 + gamma) * n - s_n).mean()
        value = (
            -s_p
            - pos_term / self.alpha
            + s_n
            + neg_term / self.beta
            - gamma**2
            - theta_b * (b - 1.0 - gamma)
            + theta_a * (a + gamma)
        )
        return LossTerms(value)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        groups: dict[float, list[nn.Parameter]] = {}
        for name, _, _, _, mult in _AUX:
            groups.setdefault(mult, []).append(self.aux(name))
        return [{"params": ps, "lr": mult * lr, "weight_decay": weight_decay} for mult, ps in groups.items()]

    def before_step(self) -> None:
        for name in _ASCENT:
            grad = self.aux(name).grad
            if grad is not None:
                grad.neg_()
