"""AdvInfoNCE (``talosbench.losses.adversarial``)."""

from __future__ import annotations

from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses.common import tau_param
from talosbench.hparams import HParam

ADV_INFONCE = declare(
    LossDeclaration(
        name="advinfonce",
        listing_position=5,
        paper_table_position=8,
        in_paper=True,
        hparams=(
            tau_param(),
            HParam(
                "neg_weight",
                float,
                64.0,
                "negative weight λ (reference flag neg_coefficient); paper 64",
                space=(64.0,),
                low=1e-9,
            ),
            HParam(
                "adv_interval",
                int,
                5,
                "adversarial epoch period T_adv (reference flag adv_interval)",
                space=(5, 10, 15, 20),
                low=1,
            ),
            HParam(
                "adv_epochs",
                int,
                5,
                "total adversarial epochs E_adv (reference flag eta_epochs)",
                space=(5, 10, 15, 20, 25, 30),
                low=0,
            ),
            HParam(
                "adv_lr",
                float,
                1e-4,
                "Adam lr of the hardness tables (reference flag adv_lr)",
                space=(1e-4, 1e-5),
                low=0.0,
            ),
        ),
    )
)


def adversarial_epoch_due(epoch: int, done: int, interval: int, count: int) -> bool:
    """Whether an adversarial epoch precedes training epoch ``epoch`` (0-based), ``done`` of ``count`` run."""
    # The reference driver's schedule: epochs 2, 7, 12, ... for T_adv = 5, up to E_adv of them.
    return epoch > 0 and (epoch + 3) % interval == 0 and done < count


def adversarial_epochs_in(epochs: int, interval: int, count: int) -> int:
    """How many adversarial epochs a run of ``epochs`` training epochs runs (what prices them)."""
    done = 0
    for epoch in range(epochs):
        done += adversarial_epoch_due(epoch, done, interval, count)
    return done
