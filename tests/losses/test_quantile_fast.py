"""The quantile term's closed-form value and slope equal autograd over a float64 pinball sum."""

from __future__ import annotations

import pytest
import torch

from talosbench.declared.losses.talos import TALOS
from talosbench.losses.base import ScoreBatch
from talosbench.losses.talos import Talos, log_sigmoid_lse, pinball, quantile_term

N_USERS, N_ITEMS, K = 5, 40, 3


def make_batch(ties: bool) -> tuple[ScoreBatch, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    users = torch.tensor([0, 2, 2, 4])
    beta = torch.nn.Parameter(torch.randn(N_USERS, generator=gen) * 0.3)
    neg = torch.randn(4, 7, generator=gen).requires_grad_()
    mask = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 1]], dtype=torch.bool)
    all_pos = (torch.randn(4, 3, generator=gen) * mask).masked_fill(~mask, 0.0)
    if ties:  # scores exactly at the threshold: autograd's relu gives slope 0 there
        with torch.no_grad():
            neg[0, :2] = beta[0]
            all_pos[3, 1] = beta[4]
    batch = ScoreBatch.with_padded_positives(
        all_pos,
        mask,
        users=users,
        pos_items=users,
        neg_items=torch.zeros(4, 7, dtype=torch.long),
        pos=torch.randn(4),
        neg=neg,
        n_items=N_ITEMS,
    )
    return batch, beta


def reference(batch: ScoreBatch, beta: torch.Tensor) -> tuple[float, torch.Tensor]:
    """docs/protocol.md §2.12.2 written out in float64 with autograd."""
    b64 = beta.detach().double().requires_grad_()
    level = K / N_ITEMS
    b = b64[batch.users][:, None]
    all_pos, mask = batch.padded_positives()
    pos = (pinball(all_pos.double() - b, level) * mask).sum(1)
    neg = batch.neg.detach().double()
    weight = (N_ITEMS - mask.sum(1).double()) / neg.shape[1]
    q = ((pos + weight * pinball(neg - b, level).sum(1)) / N_ITEMS).mean()
    q.backward()
    assert b64.grad is not None
    return float(q.detach()), b64.grad


@pytest.mark.parametrize("ties", [False, True])
def test_quantile_term_matches_float64_autograd(ties: bool) -> None:
    batch, beta = make_batch(ties)
    expected, expected_grad = reference(batch, beta)
    q = quantile_term(batch, beta, K, N_ITEMS)
    q.backward()
    assert float(q.detach()) == pytest.approx(expected, rel=1e-5, abs=1e-7)
    assert beta.grad is not None
    torch.testing.assert_close(beta.grad.double(), expected_grad, rtol=1e-5, atol=1e-7)
    assert batch.neg.grad is None  # the model never learns from the quantile term


def test_talos_total_gradient_splits_between_model_and_thresholds() -> None:
    batch, beta = make_batch(False)
    loss = Talos(N_USERS, N_ITEMS, **TALOS.resolve({"k": K}))
    with torch.no_grad():
        loss.beta.copy_(beta)
    terms = loss(batch)
    terms.total.backward()
    _, expected_grad = reference(batch, beta)
    assert loss.beta.grad is not None and batch.neg.grad is not None
    torch.testing.assert_close(loss.beta.grad.double(), expected_grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("inner", "outer"), [(1.0, 1.0), (1.0, 1 / 0.15), (1 / 0.15, 1.0)])
def test_log_sigmoid_lse_matches_autograd_in_float64(inner: float, outer: float) -> None:
    x = torch.tensor(
        [[-120.0, -30.0, -1.5, 0.0], [0.3, 0.3, 0.3, 0.3], [25.0, 90.0, -2.0, 1.0]], dtype=torch.float64
    ).requires_grad_()
    grad_out = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    expected = torch.logsumexp(outer * torch.nn.functional.logsigmoid(inner * x), dim=1)
    (expected_grad,) = torch.autograd.grad(expected, x, grad_out)
    ours = log_sigmoid_lse(x, inner, outer)
    (grad,) = torch.autograd.grad(ours, x, grad_out)
    torch.testing.assert_close(ours, expected)
    torch.testing.assert_close(grad, expected_grad)
    probe = x[:, 1:].detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: log_sigmoid_lse(t, inner, outer), (probe,))
