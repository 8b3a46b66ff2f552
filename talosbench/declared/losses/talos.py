"""Talos and its Table 4.1 ablations (``talosbench.losses.talos``)."""

from __future__ import annotations

from dataclasses import replace

from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses.common import K_PARAM, tau_param
from talosbench.hparams import HParam

LR2_FIXED = HParam(
    "lr2",
    float,
    1e-3,
    "Adam lr of the per-user thresholds β (reference flag lr2); the paper fixes it",
    space=(1e-3,),
    low=0.0,
)
TALOS = declare(
    LossDeclaration(
        name="talos",
        listing_position=11,
        in_paper=True,
        needs_positive_scores=True,
        thresholded=True,
        hparams=(tau_param(), K_PARAM, LR2_FIXED),
    )
)

# Two ablations keep all of Talos but their main term, hence its record with their own names and places.
TALOS_INSIDE_TEMP = declare(replace(TALOS, name="talos-inside-temp", listing_position=13))
TALOS_NO_DENOMINATOR = declare(
    replace(
        TALOS,
        name="talos-no-denominator",
        listing_position=14,
        negative_gradient=False,  # its main term uses the positive only (docs/protocol.md §2.12.4)
        beats_popularity=False,  # it only lifts positives: below the popularity ranking, still learning
    )
)

# No threshold is learned, so the loss is not thresholded and needs no positive scores.
TALOS_NO_QUANTILE = declare(
    LossDeclaration(
        name="talos-no-quantile",
        listing_position=12,
        in_paper=True,
        hparams=(tau_param(),),
    )
)
