"""Contract tests over every registered backbone, plus LightGCN's adjacency and XSimGCL's noise."""

from __future__ import annotations

import pytest
import torch

from talosbench.backbones import BACKBONES, BackboneInputs, build_backbone
from talosbench.backbones.graph import normalized_adjacency
from talosbench.declared.backbones import DECLARED_BACKBONES
from talosbench.hparams import HParamError

USERS = torch.tensor([0, 0, 1, 2, 2, 3, 3, 3, 0])
ITEMS = torch.tensor([0, 1, 1, 2, 4, 0, 3, 4, 0])  # last pair duplicates the first


def make(name: str, seed: int = 0, **params: object) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(seed)
    values = DECLARED_BACKBONES.get(name).resolve(params)
    return build_backbone(name, BackboneInputs(5, 6, USERS, ITEMS, 8, True, gen), values)


@pytest.mark.parametrize("name", BACKBONES.names())
def test_shapes_finite_and_gradients_reach_parameters(name: str) -> None:
    model = make(name)
    users, items = model()
    assert users.shape == (5, 8) and items.shape == (6, 8)
    assert torch.isfinite(users).all() and torch.isfinite(items).all()
    loss = (users[:2] @ items.t()).sum()
    aux = model.aux_loss(torch.tensor([0, 1]), torch.tensor([0, 1]))
    if aux is not None:
        loss = loss + aux
    loss.backward()
    for param in model.parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0


@pytest.mark.parametrize("name", BACKBONES.names())
def test_same_seed_same_model(name: str) -> None:
    first, second = make(name, seed=3), make(name, seed=3)
    for a, b in zip(first(), second(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(make(name, seed=4)()[0], first()[0])


def test_unknown_hparam_and_backbone_are_rejected() -> None:
    with pytest.raises(HParamError, match="layers"):
        make("mf", layers=2)
    with pytest.raises(KeyError, match="lightgcn"):
        BACKBONES.get("lightgnc")


def test_adjacency_matches_dense_reference() -> None:
    n_users, n_items = 5, 6
    dense = torch.zeros(n_users + n_items, n_users + n_items)
    for u, i in zip(USERS.tolist(), ITEMS.tolist(), strict=True):
        dense[u, n_users + i] = dense[n_users + i, u] = 1.0
    degree = dense.sum(1).clamp(min=1)  # item 5 and user 4 have no edges
    expected = dense / degree.sqrt()[:, None] / degree.sqrt()[None, :]
    got = normalized_adjacency(n_users, n_items, USERS, ITEMS).to_dense()
    torch.testing.assert_close(got, expected)


def test_lightgcn_is_layer_mean_of_propagations() -> None:
    model = make("lightgcn", layers=2)
    adj = normalized_adjacency(5, 6, USERS, ITEMS).to_dense()
    e0 = model.embedding.detach()
    expected = (e0 + adj @ e0 + adj @ adj @ e0) / 3
    users, items = model()
    torch.testing.assert_close(torch.cat([users, items]).detach(), expected)


def test_xsimgcl_noise_only_in_training_and_seeded() -> None:
    model = make("xsimgcl", seed=1)
    model.eval()
    assert torch.equal(model()[0], model()[0])
    assert model.aux_loss(torch.tensor([0]), torch.tensor([0])) is None
    model.train()
    noisy, other = model()[0], model()[0]
    assert not torch.equal(noisy, other)
    twin = make("xsimgcl", seed=1)
    twin.train()
    assert torch.equal(twin()[0], noisy)
    aux = model.aux_loss(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 2]))
    assert aux is not None and aux.ndim == 0 and torch.isfinite(aux) and aux > 0


def test_xsimgcl_aux_loss_is_weighted_infonce() -> None:
    model = make("xsimgcl", seed=2, cl_rate=0.5, cl_temp=0.2)
    model.train()
    model()
    final, view = model._final, model._view
    assert final is not None and view is not None

    def nce(ids: torch.Tensor) -> torch.Tensor:
        z = torch.nn.functional.normalize(final[ids].double(), dim=1)
        w = torch.nn.functional.normalize(view[ids].double(), dim=1)
        logits = z @ w.t() / 0.2
        return -(logits.diag() - logits.logsumexp(1)).mean()

    expected = 0.5 * (nce(torch.tensor([0, 2])) + nce(torch.tensor([1, 3]) + 5))
    got = model.aux_loss(torch.tensor([2, 0, 2]), torch.tensor([1, 3, 1]))
    assert got is not None
    assert abs(float(got.detach()) - float(expected.detach())) < 1e-5
