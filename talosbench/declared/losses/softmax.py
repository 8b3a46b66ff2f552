"""Softmax-family losses: SL, BSL and PSL (``talosbench.losses.softmax``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, Reduction, SameAs, declare
from talosbench.declared.losses.common import tau_param
from talosbench.hparams import HParam

SL = declare(
    LossDeclaration(
        name="sl",
        listing_position=2,
        paper_table_position=5,
        in_paper=True,
        hparams=(tau_param(),),
    )
)

BSL = declare(
    LossDeclaration(
        name="bsl",
        listing_position=3,
        paper_table_position=6,
        in_paper=True,
        hparams=(
            tau_param(help="positive-side temperature τ₁ (reference flag ssm_temp)"),
            tau_param(
                "tau2",
                1.0,
                help="negative-side temperature τ₂ (reference flag ssm_temp2); the "
                "reference's default 1.0 is outside the paper's grid (τ₂ = τ₁ would make BSL plain SL)",
            ),
        ),
        reduces_to=Reduction("sl", (("tau2", SameAs("tau")),)),
    )
)

PSL = declare(
    LossDeclaration(
        name="psl",
        listing_position=4,
        paper_table_position=7,
        in_paper=True,
        hparams=(
            tau_param(),
            HParam(
                "activation",
                str,
                "tanh",
                "surrogate of exp (reference flag activate_func); paper uses tanh",
                space=("tanh",),
                choices=("tanh", "relu", "arctan", "exp"),
            ),
        ),
    )
)
