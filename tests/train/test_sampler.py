"""Negative sampling: never a positive, uniform over the complement, seeded, clear errors."""

from __future__ import annotations

import pytest
import torch

from talosbench.interactions import InteractionCSR
from talosbench.train.sampler import NegativeSampler, SamplingError


def csr_of(pairs: list[tuple[int, int]], n_users: int, n_items: int) -> InteractionCSR:
    users, items = zip(*pairs, strict=True)
    return InteractionCSR.from_pairs(torch.tensor(users), torch.tensor(items), n_users, n_items)


def test_csr_dedupes_sorts_and_answers_membership() -> None:
    csr = csr_of([(1, 3), (0, 2), (1, 0), (1, 3), (3, 1)], 4, 5)
    assert csr.indptr.tolist() == [0, 1, 3, 3, 4]
    assert csr.indices.tolist() == [2, 0, 3, 1]
    assert csr.counts().tolist() == [1, 2, 0, 1]
    users = torch.arange(4)[:, None].expand(4, 5)
    items = torch.arange(5)[None, :].expand(4, 5)
    expected = torch.zeros(4, 5, dtype=torch.bool)
    expected[0, 2] = expected[1, 0] = expected[1, 3] = expected[3, 1] = True
    assert torch.equal(csr.contains(users, items), expected)
    rows, items = csr.entries(torch.tensor([1, 2, 0]))
    assert rows.tolist() == [0, 0, 2] and items.tolist() == [0, 3, 2]


def test_entries_are_the_users_items_concatenated() -> None:
    csr = InteractionCSR.from_pairs(torch.tensor([0, 0, 2, 2, 2]), torch.tensor([4, 1, 3, 0, 2]), 4, 5)
    rows, items = csr.entries(torch.tensor([2, 1, 0, 2]))  # user 1 has none; user 2 twice
    assert rows.tolist() == [0, 0, 0, 2, 2, 3, 3, 3]
    assert items.tolist() == [0, 2, 3, 1, 4, 0, 2, 3]
    rows, items = csr.entries(torch.tensor([1, 3]))
    assert rows.numel() == items.numel() == 0


def test_contains_matches_python_sets_on_random_data() -> None:
    gen = torch.Generator().manual_seed(0)
    users, items = torch.randint(0, 50, (2000,), generator=gen), torch.randint(0, 300, (2000,), generator=gen)
    csr = InteractionCSR.from_pairs(users, items, 50, 300)
    truth = set(zip(users.tolist(), items.tolist(), strict=True))
    qu, qi = torch.randint(0, 50, (5000,), generator=gen), torch.randint(0, 300, (5000,), generator=gen)
    expected = [(u, i) in truth for u, i in zip(qu.tolist(), qi.tolist(), strict=True)]
    assert csr.contains(qu, qi).tolist() == expected
    assert csr.contains(qu, qi.to(torch.int32)).tolist() == expected  # the sampler's 32-bit draws


def test_never_returns_a_positive_even_for_dense_users() -> None:
    gen = torch.Generator().manual_seed(1)
    pairs = [(0, i) for i in range(40) if i != 17] + [(1, i) for i in range(0, 40, 2)] + [(2, 5)]
    csr = csr_of(pairs, 3, 40)
    neg = NegativeSampler(csr, gen).sample(torch.tensor([0, 1, 2, 0]), 500)
    assert neg.shape == (4, 500) and neg.dtype == torch.long
    assert (neg[0] == 17).all() and (neg[3] == 17).all()  # 39 of 40 items are positives
    assert (neg[1] % 2 == 1).all()
    assert not csr.contains(torch.tensor([0, 1, 2, 0])[:, None], neg).any()


def test_uniform_over_the_complement() -> None:
    gen = torch.Generator().manual_seed(2)
    csr = csr_of([(0, 1), (0, 4), (0, 5)], 1, 8)
    neg = NegativeSampler(csr, gen).sample(torch.zeros(4, dtype=torch.long), 5000)
    counts = torch.bincount(neg.reshape(-1), minlength=8).double()
    assert counts[[1, 4, 5]].sum() == 0
    observed = counts[[0, 2, 3, 6, 7]]
    expected = observed.sum() / 5
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < 18.5  # 4 degrees of freedom, p = 0.001


def test_rank_fallback_is_uniform_too() -> None:
    gen = torch.Generator().manual_seed(3)
    csr = csr_of([(0, i) for i in range(10) if i not in (2, 7, 9)], 1, 10)
    sampler = NegativeSampler(csr, gen, max_rounds=0)  # every draw goes through the rank mapping
    neg = sampler.sample(torch.zeros(3, dtype=torch.long), 3000)
    counts = torch.bincount(neg.reshape(-1), minlength=10)
    assert set(torch.nonzero(counts).squeeze(1).tolist()) == {2, 7, 9}
    assert float(counts.max()) / float(counts[counts > 0].min()) < 1.15


def test_deterministic_per_generator_and_shared_mode() -> None:
    csr = csr_of([(0, 0), (1, 1)], 2, 30)
    users = torch.tensor([0, 1, 1])
    a = NegativeSampler(csr, torch.Generator().manual_seed(5)).sample(users, 64)
    b = NegativeSampler(csr, torch.Generator().manual_seed(5)).sample(users, 64)
    assert torch.equal(a, b)
    shared = NegativeSampler(csr, torch.Generator().manual_seed(5), shared=True).sample(users, 64)
    assert shared.shape == (3, 64) and torch.equal(shared[0], shared[2])


def test_user_with_every_item_is_an_error() -> None:
    csr = csr_of([(0, 0), (1, 0), (1, 1), (1, 2)], 2, 3)
    with pytest.raises(SamplingError, match=r"user 1 .* every one of the 3 items"):
        NegativeSampler(csr, torch.Generator())
