"""Contract tests run over every registered loss: values, gradients, determinism and schemas."""

from __future__ import annotations

import pytest
import torch

from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.hparams import HParamError
from talosbench.losses import LOSSES, build_loss
from talosbench.losses.base import Loss, ScoreBatch
from talosbench.losses.talos import LearnedThresholdLoss
from talosbench.registry import UnknownNameError

N_USERS, N_ITEMS = 6, 50
NAMES = LOSSES.names()
EXPECTED = {
    "bpr",
    "sl",
    "bsl",
    "psl",
    "advinfonce",
    "llpauc",
    "slatk",
    "aatp",
    "smoothi",
    "rsk",
    "talos",
    "talos-no-quantile",
    "talos-inside-temp",
    "talos-no-denominator",
}


def random_batch(
    seed: int, b: int = 8, n: int = 16, p: int = 5, n_users: int = 6, n_items: int = 50
) -> ScoreBatch:
    """Random cosine-range float32 scores with leaf tensors ``pos``/``neg`` that collect gradients."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, p + 1, (b,), generator=g)
    mask = torch.arange(p).unsqueeze(0) < lengths.unsqueeze(1)
    all_pos = torch.tanh(torch.randn(b, p, generator=g)) * mask
    return ScoreBatch.with_padded_positives(
        all_pos,
        mask,
        users=torch.randint(0, n_users, (b,), generator=g),
        pos_items=torch.randint(0, n_items, (b,), generator=g),
        neg_items=torch.randint(0, n_items, (b, n), generator=g),
        pos=torch.tanh(torch.randn(b, generator=g)).requires_grad_(),
        neg=torch.tanh(torch.randn(b, n, generator=g)).requires_grad_(),
        n_items=n_items,
    )


def make(name: str, seed: int = 0, **params: object) -> Loss:
    values = DECLARED_LOSSES.get(name).resolve(params)
    return build_loss(name, N_USERS, N_ITEMS, values, torch.Generator().manual_seed(seed))


def test_every_loss_of_the_spec_is_registered() -> None:
    assert set(NAMES) >= EXPECTED


@pytest.mark.parametrize("name", NAMES)
def test_finite_value_and_gradients_reaching_the_scores(name: str) -> None:
    loss, batch = make(name), random_batch(1)
    terms = loss(batch)
    assert torch.isfinite(terms.main) and terms.main.ndim == 0
    assert terms.extra is None or torch.isfinite(terms.extra)
    terms.total.backward()
    assert batch.pos.grad is not None and torch.isfinite(batch.pos.grad).all()
    assert batch.pos.grad.abs().sum() > 0
    if not LOSSES.get(name).declared.negative_gradient:
        assert batch.neg.grad is None
    else:
        assert batch.neg.grad is not None and torch.isfinite(batch.neg.grad).all()
        assert batch.neg.grad.abs().sum() > 0
    for p in loss.parameters():
        assert p.grad is None or torch.isfinite(p.grad).all()


@pytest.mark.parametrize("name", NAMES)
def test_float64_scores_give_a_float64_loss(name: str) -> None:
    batch = random_batch(2)
    batch.pos, batch.neg = batch.pos.double(), batch.neg.double()
    batch.all_pos = batch.all_pos.double()
    assert make(name)(batch).main.dtype == torch.float64


@pytest.mark.parametrize("name", [n for n in NAMES if issubclass(LOSSES.get(n), LearnedThresholdLoss)])
def test_thresholds_learn_only_from_the_quantile_term(name: str) -> None:
    loss, batch = make(name), random_batch(3)
    with torch.no_grad():  # non-zero thresholds, so some hinges (AATP) are inactive and nothing cancels
        loss.beta.copy_(torch.linspace(-0.9, 0.9, N_USERS))
    terms = loss(batch)
    assert terms.extra is not None
    scores = [batch.pos, batch.neg]
    main_to_beta = torch.autograd.grad(terms.main, loss.beta, retain_graph=True, allow_unused=True)[0]
    assert main_to_beta is None or not main_to_beta.any()
    extra_to_scores = torch.autograd.grad(terms.extra, scores, retain_graph=True, allow_unused=True)
    assert all(g is None or not g.any() for g in extra_to_scores)
    extra_to_beta = torch.autograd.grad(terms.extra, loss.beta, retain_graph=True)[0]
    in_batch = torch.zeros(N_USERS, dtype=torch.bool)
    in_batch[batch.users] = True
    assert extra_to_beta[in_batch].ne(0).all() and not extra_to_beta[~in_batch].any()
    main_to_pos = torch.autograd.grad(terms.main, batch.pos)[0]
    assert main_to_pos.abs().sum() > 0
    assert LOSSES.get(name).declared.needs_positive_scores and LOSSES.get(name).declared.thresholded


def test_quantile_term_moves_thresholds_towards_the_kth_score() -> None:
    # Every real score sits far above β = 0 and K = 1 of 50 items: the pinball gradient pushes β up.
    loss, batch = make("talos", k=1), random_batch(4)
    batch.all_pos = batch.all_pos.abs() + 0.5
    batch.neg = (batch.neg.detach().abs() + 0.5).requires_grad_()
    loss(batch).extra.backward()
    assert (loss.beta.grad[batch.users] < 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_positive_scores_are_needed_exactly_when_declared(name: str) -> None:
    # The trainer scores each user's training positives only for losses declaring the need.
    batch = random_batch(5)
    batch.all_pos = batch.all_pos_rows = None
    if LOSSES.get(name).declared.needs_positive_scores:
        with pytest.raises(ValueError, match="all_pos"):
            make(name)(batch)
    else:
        assert torch.isfinite(make(name)(batch).main)


@pytest.mark.parametrize("name", NAMES)
def test_thresholds_exist_exactly_when_declared(name: str) -> None:
    # The trainer reads ``k`` and ``thresholds()`` of thresholded losses for the threshold metrics.
    loss = make(name)
    thresholds = loss.thresholds()
    if LOSSES.get(name).declared.thresholded:
        assert thresholds is not None and thresholds.shape == (N_USERS,) and int(loss.k) >= 1
    else:
        assert thresholds is None


def test_advinfonce_weights_are_differentiable_but_not_in_the_model_optimiser() -> None:
    loss, batch = make("advinfonce"), random_batch(6)
    (-loss(batch).main).backward()
    assert loss.user_hardness.grad is not None and loss.user_hardness.grad.abs().sum() > 0
    assert loss.item_hardness.grad is not None and loss.item_hardness.grad.abs().sum() > 0
    assert loss.param_groups(1e-3, 0.0) == []
    assert loss.adversary_parameters() == [loss.user_hardness, loss.item_hardness]


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_under_a_seed(name: str) -> None:
    first, second = make(name, seed=7), make(name, seed=7)
    for (k1, v1), (k2, v2) in zip(first.state_dict().items(), second.state_dict().items(), strict=True):
        assert k1 == k2 and torch.equal(v1, v2)
    assert torch.equal(first(random_batch(8)).main, second(random_batch(8)).main)


def test_seed_changes_the_adversary_initialisation() -> None:
    assert not torch.equal(make("advinfonce", seed=1).user_hardness, make("advinfonce", seed=2).user_hardness)


@pytest.mark.parametrize("name", NAMES)
def test_hparam_schema_is_sane(name: str) -> None:
    cls = LOSSES.get(name)
    names = [p.name for p in cls.declared.hparams]
    assert len(names) == len(set(names)) and cls.declared.name == name and cls.__doc__
    for p in cls.declared.hparams:
        assert p.help and p.validate(p.default) == p.default
        if p.space:
            documented = "outside the paper's grid" in p.help
            assert p.default in p.space or documented, f"{name}.{p.name} default outside its search space"
            for v in p.space:
                p.validate(v)
        else:
            # An empty space must be explained in the help (target K, or a grid the paper omits).
            assert "no grid" in p.help or "no search space" in p.help, f"{name}.{p.name}"
    with pytest.raises(HParamError, match="unknown hyper-parameter"):
        make(name, not_a_param=1)


def test_bad_values_and_names_raise_clear_errors() -> None:
    with pytest.raises(HParamError, match="tau must be >="):
        make("sl", tau=0.0)
    with pytest.raises(HParamError, match="activation must be one of"):
        make("psl", activation="sigmoid")
    with pytest.raises(UnknownNameError, match="Did you mean 'talos'"):
        make("taloss")


def test_class_defaults_of_the_spec() -> None:
    # The spec's losses only: a new loss declares its own traits and needs no entry here.
    bpr = LOSSES.get("bpr").declared
    assert bpr.default_negatives == 1 and not bpr.default_normalize
    assert all(LOSSES.get(n).declared.default_negatives == 1024 for n in EXPECTED - {"bpr"})
    assert LOSSES.get("neuralndcg").declared.default_negatives == 64  # O(B·N²) memory
    assert {n for n in EXPECTED if LOSSES.get(n).declared.thresholded} == {
        "talos",
        "talos-inside-temp",
        "talos-no-denominator",
        "aatp",
        "slatk",
    }
    assert {n for n in EXPECTED if not LOSSES.get(n).declared.negative_gradient} == {"talos-no-denominator"}
    assert {n for n in NAMES if LOSSES.get(n).declared.in_paper} == EXPECTED  # NeuralNDCG: not in the paper


REDUCING = [n for n in NAMES if DECLARED_LOSSES.get(n).reduces_to is not None]


def test_a_declared_parent_point_exists_where_the_papers_losses_have_one() -> None:
    assert REDUCING == ["bsl"]  # AdvInfoNCE: with no adversarial epoch its random hardness stays, not SL


@pytest.mark.parametrize("name", REDUCING)
@pytest.mark.parametrize("tau", [0.05, 0.2])
def test_a_loss_at_its_declared_parent_point_equals_its_parent(name: str, tau: float) -> None:
    reduction = DECLARED_LOSSES.get(name).reduces_to
    assert reduction is not None
    point = {"tau": tau}
    loss = make(name, **point, **reduction.values(point))
    parent = make(reduction.parent, **point)
    batch = random_batch(3)
    assert torch.allclose(loss(batch).total, parent(batch).total, rtol=1e-6, atol=1e-7)
