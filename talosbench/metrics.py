"""Full-ranking Top-K evaluation on the device, in user blocks (docs/protocol.md §5 and §10.2)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from talosbench.interactions import InteractionCSR


@dataclass
class EvalResult:
    """Per-user metric values (CPU tensors aligned with ``users``) and their means over those users."""

    users: torch.Tensor
    per_user: dict[str, torch.Tensor] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)
    diagnostics: dict[str, float] = field(default_factory=dict)
    """Variants of the threshold error (``THRESHOLD_VARIANTS``), kept apart from ``means`` so that
    what a run stores of its test and best validation keeps its keys; the trainer logs them per
    validation in the run's history."""


THRESHOLD_VARIANTS = ("threshold_signed_error", "threshold_error_ranked", "threshold_error_sigmoid")
"""Mean over users of beta_u - t_u (signed); of |beta_u - r_u|, r_u the K-th highest score over the
items ranked (the unmasked ones: the non-training items at validation); of |sigmoid(beta_u) -
sigmoid(t_u)|. t_u is the exact K-th highest score over all items, as in ``threshold_error``."""


CHUNK_BYTES = (4 << 20, 64 << 20)
"""Bounds of a CPU evaluation chunk's scores: half the last-level cache between them
(``_chunk_floats``). The matmul writes a chunk and the candidate search reads it back while cached,
and larger chunks spread each step's fixed cost over more rows: at Beauty scale on 2 cores with a
300 MB cache, 0.141 / 0.137 / 0.125 / 0.114 s per pass for 4, 8, 16, 36 MB chunks."""


STATS_FLOATS = 1 << 20
"""Scores per run of rows whose threshold statistics are computed together on the CPU
(``_by_group``): a matrix-vector product and a sigmoid round by the shape they run on, so these
runs stay fixed whatever the chunk, and the statistics the same on every machine."""


SEGMENT = 8
"""Columns per segment at the base of the CPU candidate search (``_candidates_by_maxima``)."""

FAN_IN = 4
"""Maxima per group at each level above the base."""


@functools.cache
def _chunk_floats() -> int:
    """Scores per CPU evaluation chunk on this machine (``chunk_floats`` of its ``/sys`` caches)."""
    return chunk_floats(Path("/sys/devices/system/cpu/cpu0/cache"))


def chunk_floats(caches: Path) -> int:
    """Half the largest cache listed under ``caches`` (``index*/size``, as Linux writes it) in
    float32 scores, within ``CHUNK_BYTES``; the lower bound where none can be read."""
    low, high = CHUNK_BYTES
    largest = 0
    for path in caches.glob("index*/size"):
        try:
            text = path.read_text(encoding="ascii").strip()
            largest = max(largest, int(text[:-1]) << {"K": 10, "M": 20, "G": 30}[text[-1]])
        except (OSError, ValueError, KeyError, IndexError, UnicodeDecodeError):
            continue  # an unreadable or unknown entry: the others or the lower bound decide
    return min(max(largest // 2, low), high) // 4


def topk_lowest_id(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top ``k`` of each row ordered by score, ties broken by lower column id; exact and deterministic."""
    k = min(k, scores.shape[1])
    vals, idx = _candidates(scores, k)
    return _order(vals, idx, k, lambda rows: scores[rows])


def _candidates(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k + 1`` largest of each row (all columns when there are no more), by score descending."""
    if k >= scores.shape[1]:
        return scores.sort(dim=1, descending=True, stable=True)
    if scores.device.type != "cpu" or scores.shape[1] // SEGMENT < 4 * (k + 1):
        return scores.topk(k + 1, dim=1)
    return _candidates_by_maxima(scores, k + 1)


def _candidates_by_maxima(scores: torch.Tensor, want: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``want`` largest of each row by score descending, searched down a pyramid of maxima.

    Level 0 is the row; each level above holds the maxima of strided groups of the one below (entry
    ``j`` of a level of ``n`` entries is the maximum of entries ``j + m * n`` below, ``m`` < the
    group size: ``SEGMENT`` at the base, ``FAN_IN`` above), the leftover entries of each level
    always searched. The top level is searched whole; at each level below, only the groups of the
    ``want`` entries chosen above it. Exact: the ``want`` chosen maxima of a level are ``want``
    searched values at or above every unsearched one, so the searched values' top ``want`` is a top
    ``want`` of the row (ties may pick other ids, which ``_order`` settles). On the CPU ``topk``
    costs ~0.15 us per row and 4-7 ns per value, over a whole row 3x the matmul that made it; down
    the pyramid it sees ~400 values of a Beauty row (8,693 items) after one vectorised max over it.
    """
    rows = scores.shape[0]
    levels, groups = [scores], []
    while len(levels) == 1 or levels[-1].shape[1] // FAN_IN >= 3 * want:
        below, group = levels[-1], SEGMENT if len(levels) == 1 else FAN_IN
        levels.append(below[:, : below.shape[1] // group * group].unflatten(1, (group, -1)).amax(1))
        groups.append(group)
    vals, idx = levels[-1].topk(want, dim=1, sorted=False)
    for level in reversed(range(len(groups))):
        below, parents, group = levels[level], levels[level + 1].shape[1], groups[level]
        body = parents * group
        cols = torch.empty(rows, group * want + below.shape[1] - body, dtype=idx.dtype, device=idx.device)
        children = cols[:, : group * want].view(rows, group, want)
        torch.add(idx[:, None, :], torch.arange(0, body, parents, device=idx.device)[:, None], out=children)
        cols[:, group * want :] = torch.arange(body, below.shape[1], device=idx.device)
        vals, pick = below.gather(1, cols).topk(want, dim=1, sorted=level == 0)
        idx = cols.gather(1, pick)
    # NaN ranks above every number in topk and amax keeps it, so a row with one has it among its
    # candidates; the bound argument above assumes a total order, so such rows search the whole row.
    nan_rows = vals.isnan().any(1).nonzero().squeeze(1)
    if nan_rows.numel():
        vals[nan_rows], idx[nan_rows] = scores[nan_rows].topk(want, dim=1)
    return vals, idx


def _order(
    vals: torch.Tensor, idx: torch.Tensor, k: int, rescore: Callable[[torch.Tensor], torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact top ``k`` by (score descending, id ascending) from ``_candidates`` output.

    ``torch.topk`` orders equal scores arbitrarily, so rows whose candidates do not strictly
    decrease are sorted again by (score, id), and rows whose k-th and (k+1)-th scores tie are
    redone from their full score rows (``rescore(rows)``) with a stable sort, so equal scores keep
    the lower id first. Both are rare with real-valued scores.
    """
    unsure = (~(vals[:, :-1] > vals[:, 1:])).any(1).nonzero().squeeze(1)
    if unsure.numel():
        some_vals, some_idx = vals[unsure], idx[unsure]
        if vals.dtype == torch.float32:
            order = _rank_keys(some_vals, some_idx).argsort(dim=1)
        else:  # ids ascending, then a stable sort by score keeps that among ties
            order = some_idx.argsort(dim=1)
            order = order.gather(1, some_vals.gather(1, order).argsort(dim=1, descending=True, stable=True))
        vals[unsure], idx[unsure] = some_vals.gather(1, order), some_idx.gather(1, order)
    if vals.shape[1] > k:
        tied = (vals[:, k - 1] == vals[:, k]).nonzero().squeeze(1)
        vals, idx = vals[:, :k].contiguous(), idx[:, :k].contiguous()
        if tied.numel():
            # A recomputed row may differ from the block's in the last bit (another matmul shape),
            # so the tied rows are ordered wholly from their recomputed scores: stable, ids ascending.
            sub = rescore(tied)
            cols = sub.argsort(dim=1, descending=True, stable=True)[:, :k]
            idx[tied], vals[tied] = cols, sub.gather(1, cols)
    return vals, idx


def _rank_keys(vals: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """One int64 per float32 candidate ordering by (score descending, id ascending), ids below 2**32.

    A float's bits read as an integer order non-negative floats; flipping the low 31 bits of a
    negative one orders those too. ``+ 0.0`` makes -0.0 equal +0.0 and every NaN becomes one
    positive NaN, above +inf as in ``sort``. One sort of these distinct keys costs half of the two
    stable sorts it replaces.
    """
    bits = torch.where(vals.isnan(), torch.nan, vals + 0.0).view(torch.int32)
    ordered = torch.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
    return (~ordered).long() << 32 | idx


def _kth_over_all(
    candidate_vals: torch.Tensor, rows: torch.Tensor, known: torch.Tensor, n_rows: int, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k``-th highest score of each row over all items and over its unmasked items.

    ``candidate_vals`` holds each row's top ``>= k`` scores after masking (``_candidates``), and
    ``known`` the masked scores with their (sorted) ``rows``: every one of a row's top ``k`` items is
    in one of the two, so no second pass over the row is needed.
    """
    # Only masked scores above the row's k-th best unmasked one can be among its top k.
    floor = candidate_vals.topk(k, dim=1, sorted=False).values.amin(1)
    keep = known > floor[rows]
    rows, known = rows[keep], known[keep]
    counts = torch.bincount(rows, minlength=n_rows)
    slot = torch.arange(rows.numel(), device=rows.device) - (torch.cumsum(counts, 0) - counts)[rows]
    padded = candidate_vals.new_full((n_rows, int(counts.max()) if rows.numel() else 0), -torch.inf)
    padded[rows, slot] = known
    both = torch.cat([candidate_vals, padded], 1)
    return both.topk(k, dim=1, sorted=False).values.amin(1), floor


def _by_group(op: Callable[[torch.Tensor], torch.Tensor], rows: torch.Tensor, group: int) -> torch.Tensor:
    """``op`` applied to runs of ``group`` rows of ``rows`` apart, the results concatenated."""
    return torch.cat([op(run) for run in rows.split(group)])


def _positions(csrs: Sequence[InteractionCSR], users: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(row, item) of every entry of ``csrs`` for the given users, sorted by row."""
    pairs = [csr.entries(users) for csr in csrs]
    if len(pairs) == 1:
        return pairs[0]
    empty = torch.zeros(0, dtype=torch.long, device=users.device)
    row = torch.cat([empty, *(rows for rows, _ in pairs)])
    col = torch.cat([empty, *(items for _, items in pairs)])
    order = row.argsort(stable=True)
    return row[order], col[order]


def _held_out(heldout: InteractionCSR, users: torch.Tensor, top: torch.Tensor) -> torch.Tensor:
    """Whether each ranked item (``top``, users x K) is held out for its user; exact.

    One binary search per pair in the sorted keys: a few held-out items per user make that cheaper
    than ``InteractionCSR.contains`` and its hashed filter, built for large sampler queries.
    """
    if heldout.nnz == 0:
        return torch.zeros(top.shape, dtype=torch.bool, device=top.device)
    query = users[:, None] * heldout.n_items + top
    pos = torch.searchsorted(heldout.keys, query).clamp_(max=heldout.nnz - 1)
    return heldout.keys[pos] == query


def _ranking_metrics(
    hits: torch.Tensor, n_heldout: torch.Tensor, ks: Sequence[int]
) -> dict[str, torch.Tensor]:
    """Per-user metrics at every K from the hit matrix of the ordered top list (users x max K)."""
    width = hits.shape[1]
    ranks = torch.arange(1, width + 1, device=hits.device, dtype=torch.float64)
    discount = 1.0 / torch.log2(ranks + 1.0)
    ideal = torch.cumsum(discount, 0)
    h = hits.to(torch.float64)
    count = n_heldout.to(torch.float64)
    out: dict[str, torch.Tensor] = {}
    for k in ks:
        top = h[:, : min(k, width)]
        found = top.sum(1)
        out[f"precision@{k}"] = found / k
        out[f"recall@{k}"] = found / count
        best = ideal[(torch.clamp(n_heldout, max=min(k, width)) - 1).clamp(min=0)]
        out[f"ndcg@{k}"] = (top * discount[: top.shape[1]]).sum(1) / best
        out[f"mrr@{k}"] = (top / ranks[: top.shape[1]]).amax(1) if top.shape[1] else found
        out[f"hit@{k}"] = (found > 0).to(torch.float64)
    return out


@torch.no_grad()
def evaluate(
    user_reps: torch.Tensor,
    item_reps: torch.Tensor,
    *,
    normalize: bool,
    heldout: InteractionCSR,
    known: Sequence[InteractionCSR],
    ks: Sequence[int],
    block_size: int = 1024,
    threshold_k: int | None = None,
    thresholds: torch.Tensor | None = None,
) -> EvalResult:
    """Rank all items for every user with a held-out item; mask ``known`` items; metrics at ``ks``.

    Precision, Recall and NDCG follow docs/protocol.md §5; MRR@K is the reciprocal rank of the first
    hit in the top K and Hit@K is 1 when any held-out item is there (section 10.2). Ties rank the
    lower item id first. With ``thresholds`` (per-user, n_users) and ``threshold_k``, ``means`` also
    holds ``threshold_error`` (mean |beta_u - the exact threshold_k-th highest score over all items|),
    ``mean_threshold``, ``mean_pos_score`` (per-user mean score of held-out items) and
    ``mean_neg_score`` (per-user mean over items neither known nor held out), each averaged over users
    (users without any such item are left out of the last), and ``diagnostics`` the
    ``THRESHOLD_VARIANTS``.
    """
    ks = sorted(set(ks))
    if not ks or ks[0] < 1:
        raise ValueError(f"cut-offs must be positive integers, got {list(ks)}")
    if (thresholds is None) != (threshold_k is None):
        raise ValueError("thresholds and threshold_k go together: pass both or neither")
    n_items = item_reps.shape[0]
    device = item_reps.device
    items = F.normalize(item_reps, dim=1) if normalize else item_reps
    counts = heldout.counts().to(device)
    users = (counts > 0).nonzero().squeeze(1)
    width = min(ks[-1], n_items)
    with_stats = thresholds is not None and threshold_k is not None
    # The exact threshold (K-th score over all items) comes from the masked candidates plus the
    # known items' scores, so the candidates must reach that deep too.
    candidates = max(width, min(threshold_k, n_items)) if with_stats and threshold_k else width
    group = chunk = block_size
    if device.type == "cpu":
        group = max(16, min(block_size, STATS_FLOATS // max(n_items, 1)))
        chunk = min(block_size, group * max(1, _chunk_floats() // (group * max(n_items, 1))))
    buffer = torch.empty(min(chunk, max(users.numel(), 1)) * n_items, dtype=items.dtype, device=device)
    item_sum = items.sum(0) if with_stats else None
    hit_blocks: list[torch.Tensor] = []
    stats: dict[str, list[torch.Tensor]] = {"threshold_error": [], "pos": [], "neg": []}
    variants: dict[str, list[torch.Tensor]] = {name: [] for name in THRESHOLD_VARIANTS}
    for block in users.split(block_size):
        u = user_reps.index_select(0, block)
        if normalize:
            u = F.normalize(u, dim=1)
        rows, cols = _positions(known, block)
        edges = torch.arange(0, block.numel() + chunk, chunk, device=device)
        bounds = torch.searchsorted(rows, edges).tolist()
        found: list[tuple[torch.Tensor, torch.Tensor]] = []
        for n, start in enumerate(range(0, block.numel(), chunk)):
            part = block[start : start + chunk]
            scores = buffer[: part.numel() * n_items].view(part.numel(), n_items)
            torch.mm(u[start : start + chunk], items.t(), out=scores)
            lo, hi = bounds[n], bounds[n + 1]
            known_rows, known_cols = rows[lo:hi] - start, cols[lo:hi]
            if with_stats:
                assert item_sum is not None
                pos_rows, pos_items = heldout.entries(part)
                pos_sum = torch.zeros(part.numel(), dtype=scores.dtype, device=device).index_add_(
                    0, pos_rows, scores[pos_rows, pos_items]
                )
                pos_n = torch.bincount(pos_rows, minlength=part.numel())
                stats["pos"].append(pos_sum / pos_n)
                # Negatives = all items minus known and held-out ones (disjoint splits), so their
                # mean needs no pass over the block: a row's total score is u . sum(items).
                known_scores = scores[known_rows, known_cols]
                known_sum = torch.zeros_like(pos_sum).index_add_(0, known_rows, known_scores)
                neg_n = n_items - torch.bincount(known_rows, minlength=part.numel()) - pos_n
                neg_sum = (
                    _by_group(lambda run: run @ item_sum, u[start : start + chunk], group)
                    - known_sum
                    - pos_sum
                )
                nan = torch.tensor(torch.nan, device=device)
                # users without any negative item are left out of the mean (nanmean below)
                stats["neg"].append(torch.where(neg_n > 0, neg_sum / neg_n.clamp(min=1), nan))
            scores.index_put_((known_rows, known_cols), torch.tensor(-torch.inf, device=device))
            found.append(_candidates(scores, candidates))
            if with_stats:
                assert thresholds is not None and threshold_k is not None
                top_k = min(threshold_k, n_items)
                kth, ranked = _kth_over_all(found[-1][0], known_rows, known_scores, part.numel(), top_k)
                beta = thresholds[part].to(kth)
                stats["threshold_error"].append((beta - kth).abs())
                variants["threshold_signed_error"].append(beta - kth)
                variants["threshold_error_ranked"].append((beta - ranked).abs())
                sigmoid = (_by_group(torch.sigmoid, beta, group) - _by_group(torch.sigmoid, kth, group)).abs()
                variants["threshold_error_sigmoid"].append(sigmoid)

        def rescore(tied: torch.Tensor, u: torch.Tensor = u, block: torch.Tensor = block) -> torch.Tensor:
            sub = u[tied] @ items.t()
            r, c = _positions(known, block[tied])
            return sub.index_put_((r, c), torch.tensor(-torch.inf, device=device))

        vals, top = _order(torch.cat([f[0] for f in found]), torch.cat([f[1] for f in found]), width, rescore)
        hit_blocks.append(_held_out(heldout, block, top) & (vals > -torch.inf))
    hits = torch.cat(hit_blocks) if hit_blocks else torch.zeros(0, width, dtype=torch.bool, device=device)
    # From the hit matrix on, the arithmetic runs on the host: log2, the row sums and the means are
    # rounded differently by CUDA kernels, and on the host the same ranking gives bit-identical
    # metrics on every device. What crosses is users x K booleans and one score per user.
    per_user = _ranking_metrics(hits.cpu(), counts[users].cpu(), ks)
    means = {name: float(value.mean()) if value.numel() else 0.0 for name, value in per_user.items()}
    if with_stats and users.numel():
        assert thresholds is not None
        means["threshold_error"] = float(torch.cat(stats["threshold_error"]).double().cpu().mean())
        means["mean_threshold"] = float(thresholds[users].double().cpu().mean())
        means["mean_pos_score"] = float(torch.cat(stats["pos"]).double().cpu().mean())
        means["mean_neg_score"] = float(torch.cat(stats["neg"]).double().cpu().nanmean())
    diagnostics = {}
    if with_stats and users.numel():
        for name, parts in variants.items():
            values = torch.cat(parts).double().cpu()
            # a user with fewer than K unmasked items has no K-th ranked score (-inf): left out
            diagnostics[name] = float(values[values.isfinite()].mean())
    return EvalResult(users=users.cpu(), per_user=per_user, means=means, diagnostics=diagnostics)
