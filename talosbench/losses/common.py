"""Small numeric helpers shared by several loss families."""

from __future__ import annotations

import torch


def sg_rows(values: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
    """``values[users]`` detached and shaped (B, 1), for subtracting a per-user threshold from rows."""
    return values.detach()[users].unsqueeze(1)
