"""Every scoring path equals a straightforward float64 computation, in values and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from talosbench.interactions import InteractionCSR
from talosbench.losses.base import ScoreBatch
from talosbench.train import scoring
from talosbench.train.scoring import Scorer

N_USERS, N_ITEMS, DIM = 7, 11, 5


def setup(dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(0)
    user_reps = torch.randn(N_USERS, DIM, generator=gen, dtype=torch.float64).to(dtype).requires_grad_()
    item_reps = torch.randn(N_ITEMS, DIM, generator=gen, dtype=torch.float64).to(dtype).requires_grad_()
    users = torch.tensor([3, 0, 3, 6])
    pos = torch.tensor([1, 2, 4, 0])
    neg = torch.randint(0, N_ITEMS, (4, 9), generator=gen)
    neg[0, :3] = 5  # repeated negatives must add up their gradients
    return user_reps, item_reps, users, pos, neg


def positives() -> InteractionCSR:
    return InteractionCSR.from_pairs(
        torch.tensor([3, 3, 3, 0, 6, 1]), torch.tensor([1, 4, 8, 2, 0, 0]), N_USERS, N_ITEMS
    )


def reference(normalize: bool) -> tuple[torch.Tensor, ...]:
    user_reps, item_reps, users, pos, neg = setup(torch.float64)
    u, i = (
        (F.normalize(user_reps, dim=1), F.normalize(item_reps, dim=1))
        if normalize
        else (user_reps, item_reps)
    )
    pos_s = torch.stack([u[a] @ i[b] for a, b in zip(users.tolist(), pos.tolist(), strict=True)])
    neg_s = torch.stack(
        [torch.stack([u[a] @ i[j] for j in row]) for a, row in zip(users.tolist(), neg, strict=True)]
    )
    loss = (torch.logsumexp(neg_s * 3, 1) - 2 * pos_s).sum()
    loss.backward()
    return pos_s.detach(), neg_s.detach(), user_reps.grad, item_reps.grad


def check_against_reference(
    batch: ScoreBatch, user_reps: torch.Tensor, item_reps: torch.Tensor, expected: tuple[torch.Tensor, ...]
) -> None:
    """Scores and the gradients of the test loss equal ``reference``'s float64 values."""
    ref_pos, ref_neg, ref_gu, ref_gi = expected
    (torch.logsumexp(batch.neg * 3, 1) - 2 * batch.pos).sum().backward()
    torch.testing.assert_close(batch.pos.double(), ref_pos, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(batch.neg.double(), ref_neg, atol=1e-5, rtol=1e-5)
    assert user_reps.grad is not None and item_reps.grad is not None
    torch.testing.assert_close(user_reps.grad.double(), ref_gu, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(item_reps.grad.double(), ref_gi, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("path", ["full", "sparse", "gather", "auto"])
def test_paths_match_float64_reference(normalize: bool, path: str) -> None:
    expected = reference(normalize)
    user_reps, item_reps, users, pos, neg = setup(torch.float32)
    scorer = Scorer(normalize, N_ITEMS, positives())
    for _ in range(2):  # the second call reuses the full path's buffer
        user_reps.grad = item_reps.grad = None
        batch = scorer.score(user_reps, item_reps, users, pos, neg, need_all_pos=True, path=path)
        check_against_reference(batch, user_reps, item_reps, expected)
    assert batch.n_items == N_ITEMS and torch.equal(batch.neg_items, neg)


@pytest.mark.parametrize("block_rows", [1, 3])
def test_full_path_in_row_blocks_matches_float64_reference(
    block_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On CPU the full path scores a few rows at a time; blocks that do and do not divide the batch.
    monkeypatch.setattr(scoring, "CPU_BLOCK_FLOATS", block_rows * N_ITEMS)
    user_reps, item_reps, users, pos, neg = setup(torch.float32)
    batch = Scorer(True, N_ITEMS, positives()).score(
        user_reps, item_reps, users, pos, neg, need_all_pos=True, path="full"
    )
    check_against_reference(batch, user_reps, item_reps, reference(True))
    all_pos, _ = batch.padded_positives()
    # user 0 has one positive, the row-1 positive itself
    assert all_pos[1, 0] == pytest.approx(float(batch.pos[1].detach()), abs=1e-6)
    # every block fills its own rows' positive scores
    u, i = F.normalize(user_reps.detach(), dim=1), F.normalize(item_reps.detach(), dim=1)
    rows, items = positives().entries(users)
    assert batch.all_pos is not None
    torch.testing.assert_close(batch.all_pos, (u[users[rows]] * i[items]).sum(1), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("path", ["full", "sparse", "gather"])
def test_all_pos_is_detached_and_ragged(path: str) -> None:
    user_reps, item_reps, users, pos, neg = setup(torch.float32)
    batch = Scorer(True, N_ITEMS, positives()).score(
        user_reps, item_reps, users, pos, neg, need_all_pos=True, path=path
    )
    assert batch.all_pos is not None and batch.all_pos_rows is not None
    assert not batch.all_pos.requires_grad
    # users [3, 0, 3, 6] own 3, 1, 3 and 1 training positives
    assert batch.all_pos_rows.tolist() == [0, 0, 0, 1, 2, 2, 2, 3]
    assert batch.positive_counts().tolist() == [3, 1, 3, 1]
    u, i = F.normalize(user_reps.detach(), dim=1), F.normalize(item_reps.detach(), dim=1)
    expected = torch.stack([u[3] @ i[1], u[3] @ i[4], u[3] @ i[8], u[0] @ i[2]])
    torch.testing.assert_close(batch.all_pos[:4], expected, atol=1e-6, rtol=1e-6)
    padded, mask = batch.padded_positives()
    assert mask.tolist() == [[True, True, True], [True, False, False]] * 2
    assert torch.equal(padded[3, 1:], torch.zeros(2)) and padded[3, 0] == batch.all_pos[-1]


def test_no_all_pos_unless_asked_and_path_choice() -> None:
    user_reps, item_reps, users, pos, neg = setup(torch.float32)
    scorer = Scorer(True, N_ITEMS, None)
    batch = scorer.score(user_reps, item_reps, users, pos, neg)
    assert batch.all_pos is None and batch.all_pos_rows is None
    with pytest.raises(ValueError, match="positives"):
        scorer.score(user_reps, item_reps, users, pos, neg, need_all_pos=True)
    big = Scorer(True, 100_000, None)
    assert big.choose_path(1024, 1024, 64, "cuda") == "gather"
    assert big.choose_path(1024, 1024, 128, "cuda") == "full"
    assert big.choose_path(1024, 1024, 64, "cpu") == "sparse"
    assert Scorer(True, 8700, None).choose_path(1024, 1, 64, "cpu") == "gather"
    assert Scorer(True, 8700, None).choose_path(1024, 1, 64, "cuda") == "gather"


@pytest.mark.parametrize("ratio", [0, 1 << 30], ids=["sorted", "dense-blocks"])
def test_sparse_path_item_gradient_both_ways(ratio: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large catalogues sum the item gradient by sorting sampled ids, small ones through dense blocks.
    monkeypatch.setattr(scoring, "SORTED_GRADIENT_RATIO", ratio)
    monkeypatch.setattr(scoring, "CPU_BLOCK_FLOATS", 3 * N_ITEMS)  # blocks that do not divide the batch
    user_reps, item_reps, users, pos, neg = setup(torch.float32)
    batch = Scorer(True, N_ITEMS, positives()).score(
        user_reps, item_reps, users, pos, neg, need_all_pos=True, path="sparse"
    )
    check_against_reference(batch, user_reps, item_reps, reference(True))


def test_sampled_dot_in_float64_with_repeats_and_empty_rows() -> None:
    gen = torch.Generator().manual_seed(1)
    rows = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    table = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    cols = torch.tensor([[5, 5, 0], [1, 2, 1], [0, 0, 0]])
    expected = torch.stack([torch.stack([rows[b] @ table[j] for j in cols[b]]) for b in range(3)])
    torch.testing.assert_close(scoring.sampled_dot(rows, table, cols), expected)
    assert scoring.sampled_dot(rows, table, cols[:, :0]).shape == (3, 0)
    wide = torch.tensor([[5, 5, 0, 1, 2, 3, 4, 4]] * 3)  # more sampled columns than items
    expected = torch.stack([torch.stack([rows[b] @ table[j] for j in wide[b]]) for b in range(3)])
    torch.testing.assert_close(scoring.sampled_dot(rows, table, wide), expected)
