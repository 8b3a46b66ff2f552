"""Uniform negative sampling over the items a user has not trained on (docs/protocol.md §4.3)."""

from __future__ import annotations

import torch

from talosbench.errors import FAILED, TalosbenchError
from talosbench.interactions import InteractionCSR


class SamplingError(TalosbenchError, ValueError):
    """No negative can be drawn for some user (every item is one of their training positives)."""

    exit_code = FAILED  # the data does not allow the run; fit() records it as a failed run


class NegativeSampler:
    """Draws ``n`` negatives per row, uniformly with replacement from the complement of ``P_u``.

    Default (``shared=False``, the paper's protocol): every row gets its own ``n`` items, none of them
    a training positive of the row's user. Draws are uniform over all items and the few that hit a
    positive are redrawn, in vectorised rounds over just the rejected entries. After
    ``max_rounds`` rounds the leftovers (users owning most of the catalogue) are drawn exactly from
    the complement by rank: the ``r``-th non-positive item is ``r + #{j : p_j - j <= r}`` over the
    user's sorted positives ``p_j``. Both routes give the same distribution.

    ``shared=True`` trades the protocol for speed: one set of ``n`` items, uniform over *all* items,
    serves every row of the batch, so a row's own positives can appear among its negatives (with
    probability ``|P_u| / n_items`` per draw, well under 1 % on typical data). Losses then treat
    such an item as a negative, which the paper's sampler never does.
    """

    def __init__(
        self, train: InteractionCSR, generator: torch.Generator, shared: bool = False, max_rounds: int = 8
    ) -> None:
        full = (train.counts() >= train.n_items).nonzero().squeeze(1)
        if full.numel():
            raise SamplingError(
                f"user {int(full[0])} (and {full.numel() - 1} more) has every one of the {train.n_items} "
                "items as a training positive, so no negative can be sampled; drop such users or "
                "hold out some of their items"
            )
        self.train, self.generator, self.shared, self.max_rounds = train, generator, shared, max_rounds
        self.n_items = train.n_items
        # Shifted positives p_j - j per row, offset by user, non-decreasing overall: the rank lookup.
        rank_in_row = torch.arange(train.nnz, device=train.device) - train.indptr[train.row_of_entries()]
        self._rank_keys = train.keys - rank_in_row

    def sample(self, users: torch.Tensor, n: int) -> torch.Tensor:
        """Negatives for each row's user, (B, n) long, on the users' device."""
        if self.shared:
            draw = torch.randint(self.n_items, (n,), generator=self.generator, device=users.device)
            return draw.expand(users.numel(), n)
        # 32-bit draws and filter slots are half the cost of 64-bit ones on CPU; widened at the end.
        neg = torch.randint(
            self.n_items, (users.numel(), n), generator=self.generator, device=users.device, dtype=torch.int32
        )
        if self.train.nnz == 0:
            return neg.long()
        flat = neg.view(-1)
        bad = self.train.hits(users[:, None], neg)
        for _ in range(self.max_rounds):
            if bad.numel() == 0:
                return neg.long()
            redraw = torch.randint(
                self.n_items, (bad.numel(),), generator=self.generator, device=flat.device, dtype=torch.int32
            )
            flat[bad] = redraw
            bad = bad[self.train.hits(users[bad // n], redraw)]
        if bad.numel():
            flat[bad] = self._by_rank(users[bad // n]).to(torch.int32)
        return neg.long()

    def _by_rank(self, users: torch.Tensor) -> torch.Tensor:
        """Exact uniform draws from each user's complement, one per entry of ``users``."""
        free = (self.n_items - self.train.counts()[users]).to(torch.float64)
        rand = torch.rand(users.shape, generator=self.generator, device=users.device, dtype=torch.float64)
        rank = (rand * free).long()
        base = users * self.n_items
        below = torch.searchsorted(self._rank_keys, base + rank, right=True) - self.train.indptr[users]
        return rank + below
