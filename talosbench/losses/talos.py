"""Talos (Zhang et al., WWW 2026), its Table 4.1 ablations, and the shared quantile-regression term."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from talosbench.declared.losses import talos as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.common import sg_rows
from talosbench.losses.registry import register


def pinball(x: torch.Tensor, level: float) -> torch.Tensor:
    """Quantile (pinball) loss ``ρ(x) = (1 − λ)·max(x, 0) + λ·max(−x, 0)`` at level ``λ``."""
    return (1.0 - level) * F.relu(x) + level * F.relu(-x)


class _Linear(torch.autograd.Function):
    """``value`` as a function of ``x`` whose derivative is ``slope``: autograd without the big graph."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, value: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(slope)
        return value.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        (slope,) = ctx.saved_tensors
        return grad * slope, None, None


class _LogSigmoidLSE(torch.autograd.Function):
    """Per row ``LSE_j(c · log σ(a · x_bj))``, with a backward that reuses the forward's exponentials.

    Autograd would run log-sigmoid, scaling and log-sum-exp each with its own backward pass over the
    ``B x N`` scores (and recompute the softmax); this keeps ``exp(z − max)`` from the forward and
    needs one ``σ(−a·x)`` pass: the Talos main term costs half as much on CPU.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, inner: float, outer: float) -> torch.Tensor:  # type: ignore[override]
        ax = x if inner == 1.0 else x * inner
        z = F.logsigmoid(ax).mul_(outer)
        top = z.amax(1, keepdim=True)
        top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))  # rows of -inf stay -inf
        weights = z.sub_(top).exp_()
        total = weights.sum(1)
        ctx.save_for_backward(ax, weights, total)
        ctx.scale = inner * outer
        return top.squeeze(1) + total.log()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        ax, weights, total = ctx.saved_tensors
        # d/dx_bj = softmax_bj · c · a · σ(−a·x_bj)
        row = (grad * ctx.scale / total).unsqueeze(1)
        return torch.sigmoid(ax.neg()).mul_(weights).mul_(row), None, None


def log_sigmoid_lse(x: torch.Tensor, inner: float = 1.0, outer: float = 1.0) -> torch.Tensor:
    """``torch.logsumexp(outer * F.logsigmoid(inner * x), dim=1)`` with a cheaper backward."""
    return _LogSigmoidLSE.apply(x, inner, outer)


def _pinball_sums(
    gap: torch.Tensor, level: float, rows: torch.Tensor | None = None, n_rows: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Row sums of ``ρ(−gap)`` and of its derivative in ``β``, where ``gap = β − s`` (consumed in place).

    ``ρ(s − β) = relu(gap) − (1 − λ)·gap``, so a row's sum needs ``Σ relu(gap)`` and ``Σ gap``, and its
    slope is ``λ·#(gap > 0) − (1 − λ)·#(gap < 0)`` (0 at a tie, as autograd's relu). Rows are the last
    dimension of ``gap``, or, with ``rows``, the segments of a ragged ``gap`` (``n_rows`` of them).
    """

    def total(x: torch.Tensor) -> torch.Tensor:
        return x.sum(-1) if rows is None else x.new_zeros(n_rows).index_add_(0, rows, x)

    gap_sum = total(gap)
    # Counting through a float 0/1 tensor: summing a bool tensor is 6x slower on CPU.
    flags = torch.empty_like(gap)
    above = total(torch.gt(gap, 0, out=flags))
    below = total(torch.lt(gap, 0, out=flags))
    value = total(gap.clamp_min_(0.0)) - (1.0 - level) * gap_sum
    return value, level * above - (1.0 - level) * below


def quantile_term(batch: ScoreBatch, beta: torch.Tensor, k: int, n_items: int) -> torch.Tensor:
    """Sampled quantile regression of docs/protocol.md §2.12.2: gradient reaches ``beta`` only.

    Reuses the batch's scores (detached): the user's training-positive scores ``all_pos`` and the
    very negatives of the main loss, importance-weighted by ``(|I| − |P_u|)/N`` to stand in for
    every non-positive item. Its minimiser is the score of each user's K-th ranked item.
    The term is piecewise linear in ``beta``, so its value and slope come from a few reductions over
    the scores instead of an autograd graph over every (row, score) pair (same numbers, a third of
    the time at N = 1024).
    """
    all_pos, rows = batch.positive_scores()
    level = k / n_items
    b = beta[batch.users]  # (B,), differentiable
    with torch.no_grad():
        b_row = b.detach()
        pos_gap = b_row[rows].to(all_pos.dtype) - all_pos
        pos_value, pos_slope = _pinball_sums(pos_gap, level, rows, b.numel())
        neg = batch.neg.detach()
        weight = (n_items - batch.positive_counts().to(neg.dtype)) / neg.shape[1]
        neg_value, neg_slope = _pinball_sums(b_row.to(neg.dtype).unsqueeze(1) - neg, level)
        value = pos_value.to(neg.dtype) + weight * neg_value
        slope = pos_slope.to(neg.dtype) + weight * neg_slope
    return (_Linear.apply(b, value, slope) / n_items).mean()


class LearnedThresholdLoss(Loss):
    """A loss with a per-user threshold ``β`` (zeros) learned by the quantile term at lr ``lr2``, no wd."""

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, *, k: int, lr2: float
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.k, self.lr2 = k, lr2
        self.beta = nn.Parameter(torch.zeros(n_users))

    def quantile(self, batch: ScoreBatch) -> torch.Tensor:
        """The QR term for this batch (gradient to ``β`` only)."""
        return quantile_term(batch, self.beta, self.k, self.n_items)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        return [{"params": [self.beta], "lr": self.lr2, "weight_decay": 0.0}]

    def thresholds(self) -> torch.Tensor:
        return self.beta.detach()


@register
class Talos(LearnedThresholdLoss):
    """Talos, paper Eq. (3.7), outside-temperature sigmoid (docs/protocol.md §2.12.1), plus the QR term.

    ``x = s − sg(β_u)``; ``main = mean_b [LSE_j(logσ(x_bj)/τ) − logσ(x⁺_b)/τ]`` (negatives only in
    the denominator) and ``extra = Q`` (docs/protocol.md §2.12.2). Model parameters learn only from ``main``
    and ``β`` only from ``extra``; one joint Adam step updates both (docs/protocol.md §10.5).
    """

    declared = declarations.TALOS

    def __init__(
        self,
        n_users: int,
        n_items: int,
        generator: torch.Generator | None = None,
        *,
        tau: float,
        k: int,
        lr2: float,
    ) -> None:
        super().__init__(n_users, n_items, generator, k=k, lr2=lr2)
        self.tau = tau

    def main_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        """The main loss from threshold-shifted scores ``x⁺`` (B,) and ``x`` (B, N)."""
        lse = log_sigmoid_lse(neg, outer=1.0 / self.tau)
        return (lse - F.logsigmoid(pos) / self.tau).mean()

    def forward(self, batch: ScoreBatch) -> LossTerms:
        shift = sg_rows(self.beta, batch.users).to(batch.neg.dtype)
        main = self.main_loss(batch.pos - shift.squeeze(1), batch.neg - shift)
        return LossTerms(main, self.quantile(batch))


@register
class TalosInsideTemp(Talos):
    """Talos ablation "w/o-outside" (Table 4.1, docs/protocol.md §2.12.4): ``σ(x/τ)`` replaces ``σ(x)^{1/τ}``.

    ``main = mean_b [LSE_j(logσ(x_bj/τ)) − logσ(x⁺_b/τ)]``; the QR term is kept.
    """

    declared = declarations.TALOS_INSIDE_TEMP

    def main_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        lse = log_sigmoid_lse(neg, inner=1.0 / self.tau)
        return (lse - F.logsigmoid(pos / self.tau)).mean()


@register
class TalosNoDenominator(Talos):
    """Talos ablation "w/o-denominator" (Table 4.1, docs/protocol.md §2.12.4): the negative sum becomes ``K``.

    ``main = mean_b [log K − logσ(x⁺_b)/τ]``; only the positive carries gradient (the negatives
    still feed the QR term, which is kept).
    """

    declared = declarations.TALOS_NO_DENOMINATOR

    def main_loss(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        return (math.log(self.k) - F.logsigmoid(pos) / self.tau).mean()


@register
class TalosNoQuantile(Loss):
    """Talos ablation "w/o-quantile" (paper Table 4.1, docs/protocol.md §2.12.4): ``β ≡ 0``, no QR term.

    ``main = mean_b [LSE_j(logσ(s_bj)/τ) − logσ(s⁺_b)/τ]``. No threshold is learned, so the loss is
    not ``thresholded`` and needs no positive scores.
    """

    declared = declarations.TALOS_NO_QUANTILE

    def __init__(
        self, n_users: int, n_items: int, generator: torch.Generator | None = None, *, tau: float
    ) -> None:
        super().__init__(n_users, n_items, generator)
        self.tau = tau

    def forward(self, batch: ScoreBatch) -> LossTerms:
        lse = log_sigmoid_lse(batch.neg, outer=1.0 / self.tau)
        return LossTerms((lse - F.logsigmoid(batch.pos) / self.tau).mean())
