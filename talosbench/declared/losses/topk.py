"""Top-K surrogate baselines: SL@K, AATP, SmoothI@K and RS@K (``talosbench.losses.topk``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses.common import K_PARAM, tau_param
from talosbench.hparams import HParam

SL_AT_K = declare(
    LossDeclaration(
        name="slatk",
        listing_position=7,
        paper_table_position=10,
        in_paper=True,
        needs_positive_scores=True,
        thresholded=True,
        hparams=(
            tau_param(),
            tau_param(
                "tau_w",
                1.25,
                space=(),
                help="temperature τ_w of the Top-K weight "
                "(reference flag ssm_temp_beta); the paper gives no grid",
            ),
            K_PARAM,
        ),
    )
)

AATP = declare(
    LossDeclaration(
        name="aatp",
        listing_position=8,
        paper_table_position=2,
        in_paper=True,
        needs_positive_scores=True,  # its threshold is learned by the Talos quantile term
        thresholded=True,
        hparams=(
            K_PARAM,
            HParam(
                "lr2",
                float,
                1e-3,
                "Adam lr of the per-user thresholds β (reference flag lr2)",
                space=(1e-1, 1e-2, 1e-3, 1e-4),
                low=0.0,
            ),
        ),
    )
)

SMOOTHI = declare(
    LossDeclaration(
        name="smoothi",
        listing_position=9,
        paper_table_position=4,
        in_paper=True,
        hparams=(
            tau_param(help="temperature τ = 1/α of the rank indicators (reference flag ssm_temp)"),
            HParam(
                "delta",
                float,
                0.3,
                "recursion offset δ (reference flag SmoothI_delta)",
                space=(0.05, 0.10, 0.15, 0.20, 0.25, 0.30),
                low=0.0,
            ),
            K_PARAM,
        ),
    )
)

RS_AT_K = declare(
    LossDeclaration(
        name="rsk",
        listing_position=10,
        paper_table_position=3,
        in_paper=True,
        # Faithful to its definition, it stays below the popularity ranking of the synthetic data
        # (recall@20 about 0.2 against 0.29, measured): the sigmoid of the smooth rank saturates while
        # the positive ranks below K among the samples.
        beats_popularity=False,
        hparams=(
            tau_param(
                space=(0.01, *tau_param().space), help="rank-sigmoid temperature τ₁ (reference flag ssm_temp)"
            ),
            HParam(
                "rank_temp",
                float,
                1.0,
                "recall-sigmoid temperature τ₂ (reference flag rank_temp)",
                space=(1.0, 2.0, 3.0, 4.0, 5.0),
                low=1e-6,
            ),
            K_PARAM,
        ),
    )
)
