"""LLPAUC (``talosbench.losses.pauc``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, declare
from talosbench.hparams import HParam

# The defaults' reasons are in the docstring of the LLPAUC class (``talosbench losses llpauc``).
LLPAUC = declare(
    LossDeclaration(
        name="llpauc",
        listing_position=6,
        paper_table_position=9,
        in_paper=True,
        hparams=(
            HParam(
                "alpha",
                float,
                0.7,
                "positive-side partial-AUC level α (reference flag alpha)",
                space=(0.1, 0.3, 0.5, 0.7, 0.9),
                low=1e-9,
            ),
            HParam(
                "beta",
                float,
                0.1,
                "negative-side partial-AUC level β (reference flag beta)",
                space=(0.01, 0.1),
                low=1e-9,
            ),
        ),
    )
)
