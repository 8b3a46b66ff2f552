"""Full-ranking metrics equal a brute-force per-user reference and sklearn's ndcg_score."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from sklearn.metrics import ndcg_score

from talosbench.interactions import InteractionCSR
from talosbench.metrics import (
    CHUNK_BYTES,
    THRESHOLD_VARIANTS,
    _candidates,
    _rank_keys,
    _ranking_metrics,
    chunk_floats,
    evaluate,
    topk_lowest_id,
)

N_USERS, N_ITEMS = 9, 14


def csr(pairs: list[tuple[int, int]]) -> InteractionCSR:
    users, items = zip(*pairs, strict=True)
    return InteractionCSR.from_pairs(torch.tensor(users), torch.tensor(items), N_USERS, N_ITEMS)


def brute_force(scores: torch.Tensor, heldout: dict, known: dict, ks: list[int]) -> dict[str, list[float]]:
    """Per-user metrics from a Python sort by (score desc, id asc) over the unmasked items."""
    out: dict[str, list[float]] = {
        f"{m}@{k}": [] for m in ("precision", "recall", "ndcg", "mrr", "hit") for k in ks
    }
    for user in sorted(heldout):
        targets = heldout[user]
        ranked = sorted(
            (i for i in range(N_ITEMS) if i not in known.get(user, set())),
            key=lambda i: (-float(scores[user, i]), i),
        )
        for k in ks:
            hits = [1 if i in targets else 0 for i in ranked[:k]]
            dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
            idcg = sum(1 / math.log2(r + 2) for r in range(min(k, len(targets))))
            first = next((r for r, h in enumerate(hits) if h), None)
            out[f"precision@{k}"].append(sum(hits) / k)
            out[f"recall@{k}"].append(sum(hits) / len(targets))
            out[f"ndcg@{k}"].append(dcg / idcg)
            out[f"mrr@{k}"].append(0.0 if first is None else 1 / (first + 1))
            out[f"hit@{k}"].append(float(any(hits)))
    return out


def data(seed: int, integer: bool) -> tuple[torch.Tensor, torch.Tensor, dict, dict, dict]:
    gen = torch.Generator().manual_seed(seed)
    if integer:  # small integer embeddings: many exactly tied scores
        users = torch.randint(-1, 2, (N_USERS, 3), generator=gen).float()
        items = torch.randint(-1, 2, (N_ITEMS, 3), generator=gen).float()
    else:
        users, items = torch.randn(N_USERS, 4, generator=gen), torch.randn(N_ITEMS, 4, generator=gen)
    train: dict[int, set[int]] = {
        u: set(torch.randperm(N_ITEMS, generator=gen)[: u % 4].tolist()) for u in range(8)
    }
    train[8] = set(range(N_ITEMS - 2))  # fewer unknown items than K
    valid = {u: {(u * 5 + 1) % N_ITEMS} - train[u] for u in range(N_USERS) if u % 2}
    test: dict[int, set[int]] = {}
    for u in range(N_USERS):
        if u == 4:
            continue  # no held-out items: not evaluated
        free = [i for i in range(N_ITEMS) if i not in train[u] and i not in valid.get(u, set())]
        test[u] = set(free[: 1 + u % 5])
    return users, items, train, valid, test


def pairs(sets: dict[int, set[int]]) -> list[tuple[int, int]]:
    return [(u, i) for u, items in sets.items() for i in items]


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("block_size", [2, 1024])
def test_matches_brute_force_with_ties_and_masking(integer: bool, block_size: int) -> None:
    users, items, train, valid, test = data(0, integer)
    known = {u: train[u] | valid.get(u, set()) for u in range(N_USERS)}
    ks = [3, 5, 20]
    result = evaluate(
        users,
        items,
        normalize=False,
        heldout=csr(pairs(test)),
        known=[csr(pairs(train)), csr(pairs(valid))],
        ks=ks,
        block_size=block_size,
    )
    expected = brute_force(users @ items.t(), test, known, ks)
    assert result.users.tolist() == sorted(test)
    for name, values in expected.items():
        torch.testing.assert_close(result.per_user[name], torch.tensor(values, dtype=torch.float64), msg=name)
        assert result.means[name] == pytest.approx(sum(values) / len(values))


def test_ndcg_agrees_with_sklearn_without_ties() -> None:
    users, items, train, _, test = data(1, integer=False)
    scores = users @ items.t()
    result = evaluate(
        users, items, normalize=False, heldout=csr(pairs(test)), known=[csr(pairs(train))], ks=[5]
    )
    for row, user in enumerate(result.users.tolist()):
        free = [i for i in range(N_ITEMS) if i not in train[user]]
        truth = [[1.0 if i in test[user] else 0.0 for i in free]]
        expected = ndcg_score(truth, [scores[user, free].tolist()], k=5)
        assert float(result.per_user["ndcg@5"][row]) == pytest.approx(expected, abs=1e-6)


def test_topk_breaks_ties_by_lower_id() -> None:
    scores = torch.tensor(
        [[1.0, 3.0, 3.0, 0.5, 3.0, 3.0, 2.0], [0.0] * 7, [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0]]
    )
    vals, idx = topk_lowest_id(scores, 3)
    assert idx.tolist() == [[1, 2, 4], [0, 1, 2], [0, 1, 2]]
    assert vals[0].tolist() == [3.0, 3.0, 3.0]
    _, idx = topk_lowest_id(scores, 6)
    assert idx[0].tolist() == [1, 2, 4, 5, 6, 0]


@pytest.mark.parametrize("threshold_k", [3, 6, 40])
def test_normalize_and_threshold_statistics(threshold_k: int) -> None:
    # K = 6 is deeper than the metric cut-off 3, K = 40 deeper than the catalogue (14 items).
    users, items, train, _, test = data(2, integer=False)
    thresholds = torch.linspace(-0.5, 0.5, N_USERS)
    result = evaluate(
        users * 7,
        items,
        normalize=True,
        heldout=csr(pairs(test)),
        known=[csr(pairs(train))],
        ks=[3],
        threshold_k=threshold_k,
        thresholds=thresholds,
    )
    cos = torch.nn.functional.normalize(users, dim=1) @ torch.nn.functional.normalize(items, dim=1).t()
    evaluated = sorted(test)
    kth = [float(cos[u].sort(descending=True).values[min(threshold_k, N_ITEMS) - 1]) for u in evaluated]
    err = sum(abs(float(thresholds[u]) - k) for u, k in zip(evaluated, kth, strict=True)) / len(evaluated)
    pos = sum(float(cos[u, sorted(test[u])].mean()) for u in evaluated) / len(evaluated)
    neg_items = {u: [i for i in range(N_ITEMS) if i not in train[u] and i not in test[u]] for u in evaluated}
    has_neg = [u for u in evaluated if neg_items[u]]
    assert len(has_neg) < len(evaluated)  # user 8 has none: left out of the mean
    neg = sum(float(cos[u, neg_items[u]].mean()) for u in has_neg) / len(has_neg)
    assert result.means["threshold_error"] == pytest.approx(err, abs=1e-6)
    assert result.means["mean_threshold"] == pytest.approx(float(thresholds[evaluated].mean()), abs=1e-6)
    assert result.means["mean_pos_score"] == pytest.approx(pos, abs=1e-6)
    assert result.means["mean_neg_score"] == pytest.approx(neg, abs=1e-6)
    plain = brute_force(cos, test, train, [3])
    assert result.means["recall@3"] == pytest.approx(sum(plain["recall@3"]) / len(evaluated))
    # The variants: signed, on the sigmoid scale, and against the K-th score over the ranked
    # (unmasked) items, which user 8 (two unmasked items) does not have: left out.
    beta = {u: float(thresholds[u]) for u in evaluated}
    signed = sum(beta[u] - k for u, k in zip(evaluated, kth, strict=True)) / len(evaluated)
    sig = [
        abs(torch.sigmoid(torch.tensor(beta[u])) - torch.sigmoid(torch.tensor(k)))
        for u, k in zip(evaluated, kth, strict=True)
    ]
    ranked = {
        u: sorted((float(cos[u, i]) for i in range(N_ITEMS) if i not in train[u]), reverse=True)
        for u in evaluated
    }
    deep = [u for u in evaluated if len(ranked[u]) >= min(threshold_k, N_ITEMS)]
    assert len(deep) < len(evaluated)
    ranked_err = sum(abs(beta[u] - ranked[u][min(threshold_k, N_ITEMS) - 1]) for u in deep) / len(deep)
    assert result.diagnostics["threshold_signed_error"] == pytest.approx(signed, abs=1e-6)
    assert result.diagnostics["threshold_error_sigmoid"] == pytest.approx(
        float(sum(sig)) / len(sig), abs=1e-6
    )
    assert result.diagnostics["threshold_error_ranked"] == pytest.approx(ranked_err, abs=1e-6)
    assert set(result.diagnostics) == set(THRESHOLD_VARIANTS) and not set(result.means) & set(
        THRESHOLD_VARIANTS
    )


def test_bad_arguments() -> None:
    users, items, _, _, test = data(0, integer=False)
    with pytest.raises(ValueError, match="positive"):
        evaluate(users, items, normalize=False, heldout=csr(pairs(test)), known=[], ks=[0])
    with pytest.raises(ValueError, match="together"):
        evaluate(users, items, normalize=False, heldout=csr(pairs(test)), known=[], ks=[5], threshold_k=5)


def random_sets(gen: torch.Generator, n_users: int, n_items: int, most: int) -> InteractionCSR:
    count = torch.randint(0, most + 1, (n_users,), generator=gen)
    users = torch.repeat_interleave(torch.arange(n_users), count)
    items = torch.randint(0, n_items, (int(count.sum()),), generator=gen)
    return InteractionCSR.from_pairs(users, items, n_users, n_items)


@pytest.mark.parametrize("seed", [0, 1, 2])
# 2,003 items: 250 maxima of 8 and 3 leftover columns, searched whole; 2,029: 253 maxima of 8 (5
# left over), 63 of 4 above them (1 left over); 8,109: one more level; leftovers at every level
@pytest.mark.parametrize("n_items", [2_003, 2_029, 8_109])
def test_candidates_hold_a_top_k_plus_one_with_ties_masks_and_nan(seed: int, n_items: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    k = 20
    scores = torch.randint(-40, 40, (64, n_items), generator=gen).float()  # many ties
    scores[torch.rand(scores.shape, generator=gen) < 0.3] = -torch.inf
    scores[1, :-5] = -torch.inf  # fewer finite scores than k + 1
    scores[2, 7] = scores[3, 1_500] = scores[5, -1] = torch.nan
    scores[4, -2] = 1e9  # the best score in a leftover column
    scores[6, 1_011] = 1e9  # under the leftover maximum of the level above the base (2,029 items)
    vals, idx = _candidates(scores, k)
    expected = scores.topk(k + 1, dim=1).values
    assert torch.equal(vals.sort(1, descending=True).values.nan_to_num(), expected.nan_to_num())
    assert torch.equal(scores.gather(1, idx).nan_to_num(), vals.nan_to_num())
    assert all(len(set(row)) == k + 1 for row in idx.tolist())


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("n_items", [1_401, 8_109])
def test_evaluate_equals_a_full_sort_bit_for_bit(integer: bool, n_items: int) -> None:
    # Scales where the CPU candidate search runs (K + 1 = 21 candidates; 1,401 items: one level of
    # maxima, 8,109: three): per-user metrics and threshold errors equal those from the full score
    # matrix, the known items masked and a stable sort by score (ids ascending among ties).
    gen = torch.Generator().manual_seed(3)
    n_users, k = 130, 20
    if integer:  # exact dot products in any summation order, many tied scores
        users = torch.randint(-2, 3, (n_users, 4), generator=gen).float()
        items = torch.randint(-2, 3, (n_items, 4), generator=gen).float()
    else:
        users, items = torch.randn(n_users, 8, generator=gen), torch.randn(n_items, 8, generator=gen)
    train, valid = random_sets(gen, n_users, n_items, 40), random_sets(gen, n_users, n_items, 3)
    test = random_sets(gen, n_users, n_items, 4)
    thresholds = torch.randn(n_users, generator=gen)
    result = evaluate(
        users,
        items,
        normalize=False,
        heldout=test,
        known=[train, valid],
        ks=[5, k],
        block_size=n_users,
        threshold_k=k,
        thresholds=thresholds,
    )
    evaluated = (test.counts() > 0).nonzero().squeeze(1)
    assert torch.equal(result.users, evaluated)
    scores = users[evaluated] @ items.t()  # the same rows in one matmul, as evaluate's one block
    everything = scores.sort(1, descending=True).values
    masked = scores.clone()
    for csr_ in (train, valid):
        rows, cols = csr_.entries(evaluated)
        masked[rows, cols] = -torch.inf
    order = masked.argsort(dim=1, descending=True, stable=True)[:, :k]
    ranked = masked.gather(1, order)
    hits = test.contains(evaluated[:, None], order) & (ranked > -torch.inf)
    expected = _ranking_metrics(hits, test.counts()[evaluated], [5, k])
    for name, values in expected.items():
        assert torch.equal(result.per_user[name], values), name
        assert result.means[name] == float(values.mean())
    beta, kth = thresholds[evaluated], everything[:, k - 1]
    assert result.means["threshold_error"] == float((beta - kth).abs().double().mean())
    assert result.diagnostics["threshold_signed_error"] == float((beta - kth).double().mean())
    error_ranked = (beta - ranked[:, k - 1]).abs().double()
    assert result.diagnostics["threshold_error_ranked"] == float(error_ranked[error_ranked.isfinite()].mean())


def test_rank_keys_order_as_two_stable_sorts_do() -> None:
    # ids ascending then a stable sort by score descending, with the floats a sort treats apart:
    # -0.0 equals 0.0, every NaN (either sign, any payload) ranks above +inf, subnormals, extremes
    gen = torch.Generator().manual_seed(0)
    special = torch.tensor(
        [0.0, -0.0, torch.inf, -torch.inf, torch.nan, 1.5, -1.5, 1e-45, -1e-45, 3e38, -3e38]
    )
    negative_nan = torch.tensor(-4_194_303, dtype=torch.int32).view(torch.float32)  # 0xFFC00001
    for _ in range(50):
        vals = special[torch.randint(0, len(special), (64, 21), generator=gen)]
        mixed = torch.rand(64, 21, generator=gen) < 0.5
        vals = torch.where(mixed, torch.randn(64, 21, generator=gen).round(decimals=1), vals)
        vals[0, :3] = negative_nan
        idx = torch.stack([torch.randperm(10_000, generator=gen)[:21] for _ in range(64)])
        order = idx.argsort(dim=1)
        order = order.gather(1, vals.gather(1, order).argsort(dim=1, descending=True, stable=True))
        assert torch.equal(idx.gather(1, _rank_keys(vals, idx).argsort(dim=1)), idx.gather(1, order))


def test_chunks_take_half_the_largest_cache_within_bounds(tmp_path: Path) -> None:
    low, high = CHUNK_BYTES
    assert chunk_floats(tmp_path) == low // 4  # nothing listed
    for name, size in {"index0": "48K", "index2": "2048K", "index3": "40M", "index4": "odd"}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "size").write_text(size + "\n")
    assert chunk_floats(tmp_path) == (20 << 20) // 4
    (tmp_path / "index3" / "size").write_text("1G\n")
    assert chunk_floats(tmp_path) == high // 4
