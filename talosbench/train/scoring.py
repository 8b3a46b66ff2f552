"""Scores of a mini-batch: positives, sampled negatives and (detached) all training positives."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import torch
import torch.nn.functional as F

from talosbench.interactions import InteractionCSR
from talosbench.losses.base import ScoreBatch
from talosbench.losses.common import take_rows

ScoringPath = Literal["auto", "full", "sparse", "gather"]
FEW_NEGATIVES = 8
"""Below this many negatives per row ``auto`` gathers embeddings: ``B x N x d`` floats is then tiny."""
CPU_BLOCK_FLOATS = 1 << 19
"""Size of one score block of the full path on CPU: 2 MB, so a block stays in cache between uses."""
SORTED_GRADIENT_RATIO = 1024
"""The sparse path's item gradient is summed by sorting the sampled ids when ``n_items * dim`` exceeds
this many times the negatives per row, and through a dense score-gradient block otherwise: the dense
product costs ``B x n_items x dim``, the sort ``B x N``. Measured on 2 CPU cores with B = N = 1024,
d = 64, whole scoring forward and backward per batch: dense 17 / 46 ms, sorted 26 / 32 ms at 8.7k /
41k items."""


def sampled_dot(rows: torch.Tensor, table: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """``out[b, j] = rows[b] . table[cols[b, j]]`` without materialising a ``B x N x d`` tensor.

    A sampled dense-dense product over a CSR pattern with ``N`` entries per row (repeated columns
    allowed): ``B x N x d`` multiply-adds reading rows of ``table`` in place.
    """
    n_rows, width = cols.shape
    if n_rows * width == 0:
        return rows.new_zeros(n_rows, width)
    if width > table.shape[0]:
        # More entries than the dense product has (sampled_addmm rejects it), and that product is small.
        return torch.mm(rows, table.t()).gather(1, cols.long())
    crow = torch.arange(0, n_rows * width + 1, width, device=cols.device, dtype=cols.dtype)
    return sampled_dot_csr(rows, table, crow, cols.reshape(-1)).view(n_rows, width)


def sampled_dot_csr(
    rows: torch.Tensor, table: torch.Tensor, crow: torch.Tensor, cols: torch.Tensor
) -> torch.Tensor:
    """``rows[b] . table[cols[m]]`` for every entry ``m`` of row ``b`` of the CSR pattern (crow, cols)."""
    if cols.numel() == 0:
        return rows.new_zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        pattern = torch.sparse_csr_tensor(
            crow,
            cols,
            # zeros, not empty: sampled_addmm scales the pattern's values by beta = 0, and 0 * NaN = NaN
            torch.zeros(cols.numel(), dtype=rows.dtype, device=rows.device),
            size=(rows.shape[0], table.shape[0]),
            check_invariants=False,
        )
        return torch.sparse.sampled_addmm(pattern, rows, table.t(), beta=0.0).values()


class _SampledScores(torch.autograd.Function):
    """Scores of the sampled columns only, and a backward that touches only them.

    Forward: ``sampled_dot``. Backward: the users' gradient ``G @ items`` is an ``embedding_bag`` sum
    over each row's sampled items weighted by the score gradients; the items' gradient ``G^T @ U``
    either scatters ``G`` into a reused dense block and multiplies (few items), or sorts the
    sampled ids and sums each item's rows of ``U`` with one ``embedding_bag`` (many items), so its
    cost stops growing with the catalogue. Measured at Beauty scale on 2 CPU cores per batch: 17 ms
    against 26 ms for the full path; at Gowalla scale 32 ms against 170 ms.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, users: torch.Tensor, items: torch.Tensor, cols: torch.Tensor, buffer: torch.Tensor | None
    ) -> torch.Tensor:
        ctx.save_for_backward(users, items, cols)
        ctx.buffer = buffer
        return sampled_dot(users, items, cols)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # type: ignore[override]
        users, items, cols = ctx.saved_tensors
        grad = grad.contiguous()
        grad_users = grad_items = None
        if ctx.needs_input_grad[0]:
            grad_users = F.embedding_bag(cols, items, per_sample_weights=grad, mode="sum")
        if ctx.needs_input_grad[1]:
            grad_items = (
                _sorted_item_gradient(users, cols, grad, items.shape[0])
                if ctx.buffer is None
                else _blocked_item_gradient(users, items, cols, grad, ctx.buffer)
            )
        return grad_users, grad_items, None, None


def _sorted_item_gradient(
    users: torch.Tensor, cols: torch.Tensor, grad: torch.Tensor, n_items: int
) -> torch.Tensor:
    """``G^T @ U`` with ``G`` given by (cols, grad): each item sums the user rows that sampled it."""
    flat = cols.reshape(-1)
    # Sorting 32-bit keys is about twice as fast as 64-bit ones on CPU; stable for a fixed
    # summation order, so reruns are bit-identical.
    keys = flat.to(torch.int32) if n_items < 2**31 else flat
    order = torch.sort(keys, stable=True).indices
    offsets = torch.zeros(n_items, dtype=order.dtype, device=flat.device)
    torch.cumsum(torch.bincount(flat, minlength=n_items)[:-1], 0, out=offsets[1:])
    return F.embedding_bag(
        order // cols.shape[1], users, offsets, per_sample_weights=grad.reshape(-1)[order], mode="sum"
    )


def _blocked_item_gradient(
    users: torch.Tensor, items: torch.Tensor, cols: torch.Tensor, grad: torch.Tensor, buffer: torch.Tensor
) -> torch.Tensor:
    """``G^T @ U`` a row block of ``G`` at a time, scattered into ``buffer`` (kept in cache)."""
    grad_items = torch.zeros_like(items)
    rows = buffer.shape[0]
    for start in range(0, users.shape[0], rows):
        end = min(start + rows, users.shape[0])
        block = buffer[: end - start].zero_()
        block.scatter_add_(1, cols[start:end], grad[start:end])
        grad_items.addmm_(block.t(), users[start:end])
    return grad_items


class _FullMatrixScores(torch.autograd.Function):
    """``S = U I^T`` a block of rows at a time into a reused buffer, then the requested columns.

    On CPU the block is sized to stay in cache, so each row block is written by the product and
    read by the gathers while still hot (measured at Beauty scale: 32 -> 18 ms forward, 40 -> 30 ms
    backward per batch on one core). The backward rebuilds the gradient of S block by block in the
    same buffer; autograd's own version would allocate a fresh ``B x n_items`` matrix for S and
    another for its gradient every batch.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        users: torch.Tensor,
        items: torch.Tensor,
        pos_items: torch.Tensor,
        neg_items: torch.Tensor,
        extra_entries: tuple[torch.Tensor, torch.Tensor] | None,
        buffer: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        rows = buffer.shape[0]
        pos = users.new_empty(users.shape[0], 1)
        neg = users.new_empty(neg_items.shape)
        extra = bounds = None
        if extra_entries is not None:
            extra = users.new_empty(extra_entries[0].shape)
            edges = torch.arange(0, users.shape[0] + rows, rows, device=users.device)
            bounds = torch.searchsorted(extra_entries[0], edges).tolist()
        items_t = items.t()
        for n, start in enumerate(range(0, users.shape[0], rows)):
            end = min(start + rows, users.shape[0])
            block = torch.mm(users[start:end], items_t, out=buffer[: end - start])
            torch.gather(block, 1, pos_items[start:end, None], out=pos[start:end])
            torch.gather(block, 1, neg_items[start:end], out=neg[start:end])
            if extra is not None and extra_entries is not None and bounds is not None:
                lo, hi = bounds[n], bounds[n + 1]
                extra[lo:hi] = block[extra_entries[0][lo:hi] - start, extra_entries[1][lo:hi]]
        ctx.save_for_backward(users, items, pos_items, neg_items)
        ctx.buffer = buffer
        if extra is not None:
            ctx.mark_non_differentiable(extra)
        return pos.squeeze(1), neg, extra

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: Any, grad_pos: torch.Tensor | None, grad_neg: torch.Tensor | None, _: Any
    ) -> tuple[torch.Tensor | None, ...]:
        users, items, pos_items, neg_items = ctx.saved_tensors
        buffer, rows = ctx.buffer, ctx.buffer.shape[0]
        grad_users = torch.empty_like(users) if ctx.needs_input_grad[0] else None
        grad_items = torch.zeros_like(items) if ctx.needs_input_grad[1] else None
        for start in range(0, users.shape[0], rows):
            end = min(start + rows, users.shape[0])
            grad = buffer[: end - start].zero_()
            if grad_pos is not None:
                grad.scatter_add_(1, pos_items[start:end, None], grad_pos[start:end, None])
            if grad_neg is not None:
                grad.scatter_add_(1, neg_items[start:end], grad_neg[start:end])
            if grad_users is not None:
                torch.mm(grad, items, out=grad_users[start:end])
            if grad_items is not None:
                grad_items.addmm_(grad.t(), users[start:end])
        return grad_users, grad_items, None, None, None, None


class Scorer:
    """Turns backbone representations into a ``ScoreBatch`` (docs/protocol.md §1).

    Three paths give the same numbers: ``full`` scores the batch's users against the whole item
    table with one matrix product and gathers the sampled columns; ``sparse`` computes only the
    sampled scores (``sampled_dot``) and sums their gradients without a dense matrix; ``gather``
    gathers each row's negative embeddings (a ``B x N x d`` tensor) and takes batched dot products.
    ``auto`` picks ``gather`` for a handful of negatives (BPR), where moving ``B x N x d`` floats is
    cheapest. Otherwise, on CPU it picks ``sparse`` (26 -> 17 ms per batch at Beauty scale, 170 -> 32
    ms at Gowalla scale, 2 cores); on accelerators ``full`` when ``n_items <= N * d``, as dense
    products are what they do fastest, and ``gather`` beyond that.
    With ``normalize`` only the rows used are L2-normalised: the batch's users, and the item table
    on the full path (gathered item rows on the gather path when the table outnumbers them).
    """

    def __init__(self, normalize: bool, n_items: int, positives: InteractionCSR | None = None) -> None:
        self.normalize, self.n_items, self.positives = normalize, n_items, positives
        self._buffer: torch.Tensor | None = None

    def choose_path(
        self, batch: int, negatives: int, dim: int, device: torch.device | str = "cpu"
    ) -> Literal["full", "sparse", "gather"]:
        if negatives < FEW_NEGATIVES:
            return "gather"
        if torch.device(device).type == "cpu":
            return "sparse"
        return "full" if self.n_items <= negatives * dim else "gather"

    def _scratch(self, rows: int, like: torch.Tensor) -> torch.Tensor:
        """A reused ``rows x n_items`` block; on CPU only as many rows as fit in about 2 MB of cache."""
        if like.device.type == "cpu":
            rows = min(rows, max(1, CPU_BLOCK_FLOATS // max(self.n_items, 1)))
        size, buf = rows * self.n_items, self._buffer
        if buf is None or buf.numel() < size or buf.dtype != like.dtype or buf.device != like.device:
            buf = self._buffer = torch.empty(size, dtype=like.dtype, device=like.device)
        return buf[:size].view(rows, self.n_items)

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x, dim=-1) if self.normalize else x

    def score(
        self,
        user_reps: torch.Tensor,
        item_reps: torch.Tensor,
        users: torch.Tensor,
        pos_items: torch.Tensor,
        neg_items: torch.Tensor,
        need_all_pos: bool = False,
        path: ScoringPath = "auto",
    ) -> ScoreBatch:
        """Scores of rows ``(users[b], pos_items[b])`` and of ``neg_items[b, :]``, with gradients."""
        if need_all_pos and self.positives is None:
            raise ValueError("need_all_pos requires a Scorer built with the training positives")
        entries = None
        if need_all_pos:
            assert self.positives is not None
            entries = self.positives.entries(users)
        if path == "auto":
            path = self.choose_path(users.numel(), neg_items.shape[1], user_reps.shape[1], users.device)
        u = self._norm(user_reps.index_select(0, users))
        if path == "sparse":
            pos, neg, all_pos = self._sparse(u, item_reps, pos_items, neg_items, entries)
        elif path == "full":
            items = self._norm(item_reps)
            pos, neg, all_pos = _FullMatrixScores.apply(
                u, items, pos_items, neg_items, entries, self._scratch(users.numel(), u)
            )
        elif path == "gather":
            pos, neg, all_pos = self._gather(u, item_reps, pos_items, neg_items, entries)
        else:
            raise ValueError(f"unknown scoring path '{path}'; use auto, full, sparse or gather")
        return ScoreBatch(
            users=users,
            pos_items=pos_items,
            neg_items=neg_items,
            pos=pos,
            neg=neg,
            n_items=self.n_items,
            all_pos=all_pos,
            all_pos_rows=None if entries is None else entries[0],
        )

    def _sparse(
        self,
        u: torch.Tensor,
        item_reps: torch.Tensor,
        pos_items: torch.Tensor,
        neg_items: torch.Tensor,
        entries: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        items = self._norm(item_reps)
        pos = (u * items.index_select(0, pos_items)).sum(-1)
        dense_gradient = self.n_items * u.shape[1] <= SORTED_GRADIENT_RATIO * neg_items.shape[1]
        buffer = self._scratch(u.shape[0], u) if dense_gradient else None
        neg = _SampledScores.apply(u, items, neg_items, buffer)
        all_pos = None
        if entries is not None:
            rows, cols = entries
            crow = torch.zeros(u.shape[0] + 1, dtype=rows.dtype, device=rows.device)
            torch.cumsum(torch.bincount(rows, minlength=u.shape[0]), 0, out=crow[1:])
            with torch.no_grad():
                all_pos = sampled_dot_csr(u.detach(), items.detach(), crow, cols)
        return pos, neg, all_pos

    def _gather(
        self,
        u: torch.Tensor,
        item_reps: torch.Tensor,
        pos_items: torch.Tensor,
        neg_items: torch.Tensor,
        entries: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        # Normalise the table once when it is smaller than what the batch gathers from it.
        if not self.normalize or self.n_items <= neg_items.numel():
            table = self._norm(item_reps)

            def take(ids: torch.Tensor) -> torch.Tensor:
                return take_rows(table, ids)
        else:

            def take(ids: torch.Tensor) -> torch.Tensor:
                return self._norm(take_rows(item_reps, ids))

        pos = (u * take(pos_items)).sum(-1)
        neg = torch.bmm(take(neg_items), u[:, :, None]).squeeze(2)
        all_pos = None
        if entries is not None:
            rows, cols = entries
            with torch.no_grad():
                all_pos = (u.detach()[rows] * take(cols)).sum(-1)
        return pos, neg, all_pos
