"""The normalised user-item adjacency shared by the graph backbones (docs/protocol.md §3.2)."""

from __future__ import annotations

import warnings

import torch


def normalized_adjacency(
    n_users: int, n_items: int, train_users: torch.Tensor, train_items: torch.Tensor
) -> torch.Tensor:
    """``D^-1/2 A D^-1/2`` of the bipartite graph ``A = [[0, R], [R^T, 0]]`` as sparse CSR.

    Duplicate interactions are collapsed first; nodes without edges get degree 1.
    """
    n = n_users + n_items
    keys = torch.unique(train_users.long() * n_items + train_items.long())
    u = torch.div(keys, n_items, rounding_mode="floor")
    i = keys - u * n_items + n_users
    rows, cols = torch.cat([u, i]), torch.cat([i, u])
    degree = torch.bincount(rows, minlength=n).clamp(min=1).to(torch.float32)
    inv = degree.rsqrt()
    values = inv[rows] * inv[cols]
    adj = torch.sparse_coo_tensor(torch.stack([rows, cols]), values, (n, n), check_invariants=True)
    with warnings.catch_warnings():  # CSR is "beta" in torch, and the fastest CPU sparse-dense product
        warnings.simplefilter("ignore", UserWarning)
        return adj.coalesce().to_sparse_csr()
