"""The interface every loss implements, and the batch of scores it receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from talosbench.hparams import HParam


@dataclass
class ScoreBatch:
    """Scores of one mini-batch (SPEC.md section 1), produced by ``talosbench.train.scoring``.

    ``pos`` and ``neg`` carry gradient to the backbone. ``all_pos`` / ``all_pos_mask`` are filled only
    for losses with ``needs_positive_scores``: the *detached* scores of every training positive of
    each row's user, right-padded to the batch's largest count (padding slots hold 0 and are False
    in the mask), so no loss depends on a padding id.
    """

    users: torch.Tensor  # (B,) long
    pos_items: torch.Tensor  # (B,) long
    neg_items: torch.Tensor  # (B, N) long
    pos: torch.Tensor  # (B,) scores s+_b
    neg: torch.Tensor  # (B, N) scores s_bj
    n_items: int
    all_pos: torch.Tensor | None = None  # (B, P) detached scores of the user's training positives
    all_pos_mask: torch.Tensor | None = None  # (B, P) bool, True on real entries


@dataclass
class LossTerms:
    """``main`` is what is logged; the optimiser minimises ``main + extra`` (+ backbone aux)."""

    main: torch.Tensor
    extra: torch.Tensor | None = None

    @property
    def total(self) -> torch.Tensor:
        return self.main if self.extra is None else self.main + self.extra


class Loss(nn.Module):
    """A training loss with its own hyper-parameter schema and any extra trainable state.

    Subclasses set the class attributes and implement ``forward``. The constructor receives the
    dataset sizes and the resolved hyper-parameters as keyword arguments.
    """

    name: ClassVar[str]
    hparams: ClassVar[tuple[HParam, ...]] = ()
    default_negatives: ClassVar[int] = 1024
    default_normalize: ClassVar[bool] = True
    needs_positive_scores: ClassVar[bool] = False
    thresholded: ClassVar[bool] = False

    def __init__(self, n_users: int, n_items: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n_users, self.n_items = n_users, n_items

    def forward(self, batch: ScoreBatch) -> LossTerms:
        raise NotImplementedError

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        """Optimiser parameter groups for this loss's own trainable state (joins the model's Adam)."""
        return []

    def before_step(self) -> None:
        """Called after backward and before the optimiser step (e.g. to turn descent into ascent)."""

    def thresholds(self) -> torch.Tensor | None:
        """The learned or estimated per-user thresholds (n_users,), for the threshold-error metric."""
        return None

    # Adversarial losses (AdvInfoNCE) train extra parameters with a second optimiser in whole
    # adversarial epochs that the trainer runs when ``adversarial_epoch_due`` says so.
    def adversary_parameters(self) -> list[nn.Parameter]:
        return []

    def adversary_lr(self) -> float:
        return 0.0

    def adversarial_epoch_due(self, epoch: int, done: int) -> bool:
        """Whether to run a full adversarial epoch before training epoch ``epoch`` (0-based)."""
        return False
