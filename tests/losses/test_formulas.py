"""Each loss on a tiny hand-made float64 batch equals its formula (docs/protocol.md §2), by hand."""

from __future__ import annotations

import math

import pytest
import torch

from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.declared.losses.adversarial import adversarial_epochs_in
from talosbench.losses import build_loss
from talosbench.losses.base import Loss, ScoreBatch

TOL = 1e-6
N_USERS, N_ITEMS = 3, 10
USERS = [0, 2, 0]  # user 0 appears twice: same positives, different negatives
POS = [0.3, -0.2, 0.7]
NEG = [[0.1, 0.5, -0.4, 0.2], [0.0, -0.6, 0.3, -0.1], [0.8, 0.6, -0.9, 0.25]]
ALL_POS = {0: [0.3, 0.7, 0.45], 2: [-0.2, 0.55]}  # user -> training-positive scores (unpadded)


def hand_batch(neg: list[list[float]] | None = None) -> ScoreBatch:
    """The hand-made batch (B=3, N=4, P=3) with gradient-tracking float64 scores."""
    neg = NEG if neg is None else neg
    p_max = max(len(v) for v in ALL_POS.values())
    padded = [ALL_POS[u] + [0.0] * (p_max - len(ALL_POS[u])) for u in USERS]
    mask = [[j < len(ALL_POS[u]) for j in range(p_max)] for u in USERS]
    return ScoreBatch.with_padded_positives(
        torch.tensor(padded, dtype=torch.float64),
        torch.tensor(mask),
        users=torch.tensor(USERS),
        pos_items=torch.tensor([1, 4, 2]),
        neg_items=torch.tensor([[3, 5, 6, 7], [0, 1, 2, 9], [8, 9, 3, 3]])[:, : len(neg[0])],
        pos=torch.tensor(POS, dtype=torch.float64, requires_grad=True),
        neg=torch.tensor(neg, dtype=torch.float64, requires_grad=True),
        n_items=N_ITEMS,
    )


# --- plain-Python reference helpers (independent of the implementation) ---------------------------


def lse(xs: list[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def logsig(x: float) -> float:
    return math.log(sigmoid(x))


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def rows() -> list[tuple[int, float, list[float]]]:
    return list(zip(USERS, POS, NEG, strict=True))


def make(name: str, **params: object) -> Loss:
    values = DECLARED_LOSSES.get(name).resolve(params)
    return build_loss(name, N_USERS, N_ITEMS, values, torch.Generator().manual_seed(0)).double()


def value(loss: Loss, batch: ScoreBatch | None = None) -> float:
    return float(loss(hand_batch() if batch is None else batch).main.detach())


BETA = [0.1, -0.3, 0.2]  # per-user thresholds used for the threshold losses


def with_beta(loss: Loss) -> Loss:
    with torch.no_grad():
        loss.beta.copy_(torch.tensor(BETA))
    return loss


# --- pairwise / softmax family --------------------------------------------------------------------


def test_bpr_single_negative() -> None:
    batch = hand_batch([[n[0]] for n in NEG])
    expected = mean([softplus(n[0] - p) for _, p, n in rows()])
    assert value(make("bpr"), batch) == pytest.approx(expected, abs=TOL)


def test_bpr_averages_every_pair() -> None:
    expected = mean([mean([softplus(s - p) for s in n]) for _, p, n in rows()])
    assert value(make("bpr")) == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize("tau", [0.1, 0.25])
def test_sl(tau: float) -> None:
    expected = mean([lse([s / tau for s in n]) - p / tau for _, p, n in rows()])
    assert value(make("sl", tau=tau)) == pytest.approx(expected, abs=TOL)


def test_bsl() -> None:
    t1, t2 = 0.1, 0.3
    expected = mean(
        [-math.log(math.exp(p / t1) / sum(math.exp(s / t2) for s in n) ** (t2 / t1)) for _, p, n in rows()]
    )
    assert value(make("bsl", tau=t1, tau2=t2)) == pytest.approx(expected, abs=TOL)


def test_bsl_reduces_to_sl_when_temperatures_match() -> None:
    assert value(make("bsl", tau=0.15, tau2=0.15)) == pytest.approx(value(make("sl", tau=0.15)), abs=TOL)


PSL_PHI = {
    "tanh": lambda d: math.log(math.tanh(d) + 1.0),
    "relu": lambda d: math.log(max(d + 1.0, 0.0)),
    "arctan": lambda d: math.log(math.atan(d) + 1.0),
    "exp": lambda d: d,
}


@pytest.mark.parametrize("activation", list(PSL_PHI))
def test_psl_activations(activation: str) -> None:
    tau, phi = 0.2, PSL_PHI[activation]
    expected = mean([lse([phi((s - p) / 2) / tau for s in n]) for _, p, n in rows()])
    assert value(make("psl", tau=tau, activation=activation)) == pytest.approx(expected, abs=TOL)


def test_psl_default_is_tanh() -> None:
    assert make("psl").activation == "tanh"


def test_psl_exp_equals_sl_at_double_temperature() -> None:
    assert value(make("psl", tau=0.1, activation="exp")) == pytest.approx(value(make("sl", tau=0.2)), abs=TOL)


def test_psl_relu_dead_pair_drops_out_without_nan_gradient() -> None:
    # d = (−1 − 1)/2 = −1: the pair's surrogate is 0, so it leaves the sum; the others still count.
    batch = hand_batch([[-1.0, 0.5, -0.4, 0.2], *NEG[1:]])
    with torch.no_grad():
        batch.pos[0] = 1.0
    loss = make("psl", activation="relu", tau=0.2)
    out = loss(batch).main
    out.backward()
    assert math.isfinite(out.item())
    assert torch.isfinite(batch.neg.grad).all() and batch.neg.grad[0, 0] == 0


# --- AdvInfoNCE -----------------------------------------------------------------------------------


def test_advinfonce_matches_formula_with_learned_weights() -> None:
    tau, lam = 0.1, 64.0
    loss = make("advinfonce", tau=tau, neg_weight=lam)
    batch = hand_batch()
    p_tab, q_tab = loss.user_hardness.tolist(), loss.item_hardness.tolist()
    expected = []
    for b, (u, p, n) in enumerate(rows()):
        items = batch.neg_items[b].tolist()
        logits = [sum(x * y for x, y in zip(p_tab[u], q_tab[j], strict=True)) for j in items]
        z = sum(math.exp(x) for x in logits)
        pi = [math.exp(x) / z for x in logits]
        weighted = sum(w * math.exp(s / tau) for w, s in zip(pi, n, strict=True))
        denom = math.exp(p / tau) + lam * len(n) * weighted
        expected.append(math.log(denom) - p / tau)
    assert value(loss, batch) == pytest.approx(mean(expected), abs=TOL)


def test_advinfonce_with_uniform_weights_is_infonce() -> None:
    loss = make("advinfonce", tau=0.2, neg_weight=1.0)
    with torch.no_grad():
        loss.item_hardness.zero_()  # all logits 0: π uniform
    expected = mean([lse([p / 0.2] + [s / 0.2 for s in n]) - p / 0.2 for _, p, n in rows()])
    assert value(loss) == pytest.approx(expected, abs=TOL)


def test_advinfonce_schedule() -> None:
    loss = make("advinfonce", adv_interval=5, adv_epochs=3)
    due, done = [], 0
    for epoch in range(30):
        if loss.adversarial_epoch_due(epoch, done):
            due.append(epoch)
            done += 1
    assert due == [2, 7, 12]
    assert loss.adversary_lr() == 1e-4 and loss.param_groups(0.1, 0.0) == []
    # what prices a run counts the same schedule: before epochs 2 and 7 of 10, all three by epoch 13
    assert [adversarial_epochs_in(epochs, 5, 3) for epochs in (2, 3, 10, 13, 30)] == [0, 1, 2, 3, 3]
    assert adversarial_epochs_in(30, 5, 0) == 0


# --- LLPAUC ---------------------------------------------------------------------------------------


def llpauc_reference(
    alpha: float, beta: float, a: float, b: float, g: float, sn: float, sp: float, ta: float, tb: float
) -> float:
    def psi(x: float) -> float:
        return softplus(5 * x) / 5

    pos = [sigmoid(p) for _, p, _ in rows()]
    neg = [sigmoid(s) for _, _, n in rows() for s in n]
    return (
        -sp
        - mean([psi(-((p - a) ** 2) + 2 * (1 + g) * p - sp) for p in pos]) / alpha
        + sn
        + mean([psi((x - b) ** 2 + 2 * (1 + g) * x - sn) for x in neg]) / beta
        - g**2
        - tb * (b - 1 - g)
        + ta * (a + g)
    )


def test_llpauc_objective_at_initial_values() -> None:
    expected = llpauc_reference(0.7, 0.1, 1.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5)
    assert value(make("llpauc", alpha=0.7, beta=0.1)) == pytest.approx(expected, abs=TOL)


def test_llpauc_projects_before_evaluating() -> None:
    loss = make("llpauc", alpha=0.5, beta=0.01)
    values = {"a": 1.7, "b": 0.25, "gamma": -3.0, "s_n": 6.0, "s_p": 0.3, "theta_a": -1.0, "theta_b": 2.0}
    with torch.no_grad():
        for name, v in values.items():
            getattr(loss, name).fill_(v)
    expected = llpauc_reference(0.5, 0.01, 1.0, 0.25, -1.0, 5.0, 0.3, 0.0, 2.0)
    assert value(loss) == pytest.approx(expected, abs=TOL)
    assert loss.a.item() == 1.0 and loss.s_n.item() == 5.0


def test_llpauc_ascent_negates_gamma_and_s_p_gradients() -> None:
    loss = make("llpauc")
    with torch.no_grad():
        loss.gamma.fill_(0.3)
    loss(hand_batch()).main.backward()
    raw = {name: float(p.grad) for name, p in loss.named_parameters()}
    loss.before_step()
    for name, p in loss.named_parameters():
        flip = -1.0 if name in ("gamma", "s_p") else 1.0
        assert float(p.grad) == pytest.approx(flip * raw[name])
    assert raw["gamma"] != 0 and raw["s_p"] != 0
    lrs = {id(p): g["lr"] for g in loss.param_groups(0.01, 1e-4) for p in g["params"]}
    assert lrs[id(loss.gamma)] == lrs[id(loss.s_p)] == lrs[id(loss.s_n)] == 0.02
    assert lrs[id(loss.a)] == lrs[id(loss.theta_b)] == 0.01 and len(lrs) == 7


# --- top-K surrogates -----------------------------------------------------------------------------


def slatk_beta_hat(k: int) -> list[float]:
    out = []
    for u, _, n in rows():
        padded = ALL_POS[u] + [0.0] * (3 - len(ALL_POS[u]))  # padding scores exactly 0
        pool = sorted([(-1.0 if x == 0 else x) for x in padded] + n, reverse=True)
        out.append(pool[min(k, len(pool)) - 1])
    return out


@pytest.mark.parametrize("k", [2, 5, 20])
def test_slatk_threshold_estimate_and_loss(k: int) -> None:
    tau, tau_w = 0.1, 1.25
    loss = make("slatk", tau=tau, tau_w=tau_w, k=k)
    beta_hat = slatk_beta_hat(k)
    expected = mean(
        [
            sigmoid((p - bh) / tau_w) * lse([(s - p) / tau for s in n])
            for (_, p, n), bh in zip(rows(), beta_hat, strict=True)
        ]
    )
    assert value(loss) == pytest.approx(expected, abs=TOL)
    # Row 2 (user 0) is written after row 0 (user 0); user 1 is not in the batch.
    assert loss.thresholds().tolist() == pytest.approx([beta_hat[2], 0.0, beta_hat[1]], abs=TOL)


def quantile_reference(k: int) -> float:
    lam = k / N_ITEMS

    def rho(x: float) -> float:
        return (1 - lam) * max(x, 0.0) + lam * max(-x, 0.0)

    out = []
    for u, _, n in rows():
        w = (N_ITEMS - len(ALL_POS[u])) / len(n)
        pos_part = sum(rho(s - BETA[u]) for s in ALL_POS[u])
        out.append((pos_part + w * sum(rho(s - BETA[u]) for s in n)) / N_ITEMS)
    return mean(out)


def test_aatp() -> None:
    loss = with_beta(make("aatp", k=3))
    expected = mean(
        [max(0.0, 1 + BETA[u] - p) + mean([max(0.0, 1 + s - BETA[u]) for s in n]) for u, p, n in rows()]
    )
    terms = loss(hand_batch())
    assert float(terms.main.detach()) == pytest.approx(expected, abs=TOL)
    assert float(terms.extra.detach()) == pytest.approx(quantile_reference(3), abs=TOL)


@pytest.mark.parametrize(("k", "delta"), [(1, 0.3), (3, 0.1), (4, 0.5)])
def test_smoothi_recursion(k: int, delta: float) -> None:
    tau = 0.2
    expected = []
    for _, p, n in rows():
        x, m, total = [p, *n], 1.0, 0.0
        for _ in range(k):
            ind = math.exp(m * p / tau) / sum(math.exp(m * v / tau) for v in x)
            total += ind
            m *= 1 - ind - delta
        expected.append(1 - total / k)
    assert value(make("smoothi", tau=tau, delta=delta, k=k)) == pytest.approx(mean(expected), abs=TOL)


@pytest.mark.parametrize(("k", "rank_temp"), [(1, 1.0), (3, 2.0)])
def test_rsk(k: int, rank_temp: float) -> None:
    tau = 0.05
    expected = mean(
        [1 - sigmoid((k - 1 - sum(sigmoid((s - p) / tau) for s in n)) / rank_temp) for _, p, n in rows()]
    )
    assert value(make("rsk", tau=tau, rank_temp=rank_temp, k=k)) == pytest.approx(expected, abs=TOL)


# --- Talos and its ablations ----------------------------------------------------------------------


def test_talos() -> None:
    tau = 0.15
    loss = with_beta(make("talos", tau=tau, k=3))
    expected = mean(
        [
            -math.log(sigmoid(p - BETA[u]) ** (1 / tau) / sum(sigmoid(s - BETA[u]) ** (1 / tau) for s in n))
            for u, p, n in rows()
        ]
    )
    terms = loss(hand_batch())
    assert float(terms.main.detach()) == pytest.approx(expected, abs=TOL)
    assert float(terms.extra.detach()) == pytest.approx(quantile_reference(3), abs=TOL)
    assert loss.thresholds().tolist() == pytest.approx(BETA)
    assert loss.param_groups(0.1, 0.5) == [{"params": [loss.beta], "lr": 1e-3, "weight_decay": 0.0}]


def test_talos_inside_temperature() -> None:
    tau = 0.15
    loss = with_beta(make("talos-inside-temp", tau=tau, k=3))
    expected = mean(
        [lse([logsig((s - BETA[u]) / tau) for s in n]) - logsig((p - BETA[u]) / tau) for u, p, n in rows()]
    )
    terms = loss(hand_batch())
    assert float(terms.main.detach()) == pytest.approx(expected, abs=TOL)
    assert float(terms.extra.detach()) == pytest.approx(quantile_reference(3), abs=TOL)


def test_talos_no_denominator() -> None:
    tau = 0.15
    loss = with_beta(make("talos-no-denominator", tau=tau, k=3))
    expected = mean([math.log(3) - logsig(p - BETA[u]) / tau for u, p, _ in rows()])
    terms = loss(hand_batch())
    assert float(terms.main.detach()) == pytest.approx(expected, abs=TOL)
    assert float(terms.extra.detach()) == pytest.approx(quantile_reference(3), abs=TOL)


def test_talos_no_quantile() -> None:
    tau = 0.15
    expected = mean([lse([logsig(s) / tau for s in n]) - logsig(p) / tau for _, p, n in rows()])
    terms = make("talos-no-quantile", tau=tau)(hand_batch())
    assert float(terms.main.detach()) == pytest.approx(expected, abs=TOL)
    assert terms.extra is None


def test_talos_with_zero_thresholds_equals_no_quantile_main() -> None:
    assert value(make("talos", tau=0.1)) == pytest.approx(value(make("talos-no-quantile", tau=0.1)), abs=TOL)


# --- NeuralNDCG -----------------------------------------------------------------------------------


def neural_ndcg_reference(x: list[float], tau: float, k: int) -> float:
    n = len(x)
    a = [sum(abs(xi - xk) for xk in x) for xi in x]
    p = []
    for m in range(n):
        logits = [((n + 1 - 2 * (m + 1)) * x[i] - a[i]) / tau for i in range(n)]
        z = lse(logits)
        p.append([math.exp(v - z) for v in logits])
    for _ in range(50):
        for i in range(n):  # columns: sum over positions m
            c = max(sum(p[m][i] for m in range(n)), 1e-10)
            for m in range(n):
                p[m][i] /= c
        for m in range(n):  # rows: sum over items i
            r = max(sum(p[m]), 1e-10)
            p[m] = [v / r for v in p[m]]
        if (
            max(abs(sum(row) - 1) for row in p) < 1e-6
            and max(abs(sum(p[m][i] for m in range(n)) - 1) for i in range(n)) < 1e-6
        ):
            break
    return sum(p[m][0] / math.log2(m + 2) for m in range(min(k, n))) / (1 + 1e-10)


@pytest.mark.parametrize(("tau", "k"), [(1.0, 2), (0.5, 20)])
def test_neural_ndcg(tau: float, k: int) -> None:
    expected = -mean([neural_ndcg_reference([p, *n], tau, k) for _, p, n in rows()])
    assert value(make("neuralndcg", tau=tau, k=k)) == pytest.approx(expected, abs=TOL)
