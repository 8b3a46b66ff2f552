"""NeuralNDCG@K (``talosbench.losses.listwise``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses.common import K_PARAM, tau_param

NEURAL_NDCG = declare(
    LossDeclaration(
        name="neuralndcg",
        listing_position=15,
        beats_popularity=False,  # never tuned by the paper: below the popularity ranking, still learning
        default_negatives=64,  # O(B·(N+1)²) memory: see the NeuralNDCG class's docstring
        hparams=(tau_param(help="NeuralSort temperature (reference flag ssm_temp)"), K_PARAM),
    )
)
