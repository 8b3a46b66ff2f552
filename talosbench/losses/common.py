"""Small numeric helpers shared by several loss families (and the scorer)."""

from __future__ import annotations

import torch


def sg_rows(values: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
    """``values[users]`` detached and shaped (B, 1), for subtracting a per-user threshold from rows."""
    return values.detach()[users].unsqueeze(1)


def take_rows(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``table[ids]`` for ids of any shape, with a gradient that is the same on every run.

    On CPU, indexing's gradient adds the rows of repeated ids with parallel atomic adds (above
    32,768 values, with more than one thread), in an order that changes from run to run, so a rerun's
    parameters differed in the last bits; ``index_select``'s adds them in id order, and faster. On
    CUDA indexing's gradient (sorted) is the deterministic one.
    """
    if table.device.type != "cpu":
        return table[ids]
    return table.index_select(0, ids.reshape(-1)).view(*ids.shape, *table.shape[1:])
