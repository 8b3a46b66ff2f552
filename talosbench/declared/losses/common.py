"""Hyper-parameter declarations shared by several loss families."""

from __future__ import annotations

from talosbench.hparams import HParam

SL_GRID = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30)
"""The paper's temperature grid, used by every softmax-type loss (docs/protocol.md §7, ``ssm_temp``)."""


def tau_param(
    name: str = "tau",
    default: float = 0.1,
    space: tuple[float, ...] = SL_GRID,
    help: str = "softmax temperature τ (reference flag ssm_temp)",
) -> HParam:
    """A strictly positive temperature."""
    return HParam(name, float, default, help, space=space, low=1e-6)


K_PARAM = HParam(
    "k", int, 20, "target cut-off K (reference flag lambda_k); a target, not tuned: no search space", low=1
)
