"""Pairwise losses: BPR (``talosbench.losses.pairwise``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, declare

BPR = declare(
    LossDeclaration(
        name="bpr",
        listing_position=1,
        paper_table_position=1,
        in_paper=True,
        default_negatives=1,
        default_normalize=False,  # raw dot-product scores are the reference setting
    )
)
