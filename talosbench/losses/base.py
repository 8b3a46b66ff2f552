"""The interface every loss implements, and the batch of scores it receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from talosbench.declared.base import LossDeclaration


@dataclass
class ScoreBatch:
    """Scores of one mini-batch (docs/protocol.md §1), produced by ``talosbench.train.scoring``.

    ``pos`` and ``neg`` carry gradient to the backbone. ``all_pos`` / ``all_pos_rows`` are filled
    only for losses that declare ``needs_positive_scores``: the *detached* scores of every training
    positive of each row's user, concatenated row after row (no padding), and the row of each score.
    ``padded_positives()`` gives the same as a right-padded matrix for losses that want one.
    """

    users: torch.Tensor  # (B,) long
    pos_items: torch.Tensor  # (B,) long
    neg_items: torch.Tensor  # (B, N) long
    pos: torch.Tensor  # (B,) scores s+_b
    neg: torch.Tensor  # (B, N) scores s_bj
    n_items: int
    all_pos: torch.Tensor | None = None  # (M,) detached scores of the rows' users' training positives
    all_pos_rows: torch.Tensor | None = None  # (M,) long, non-decreasing: the row of each score

    def positive_scores(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(all_pos, all_pos_rows)``, or a ValueError naming what the loss is missing."""
        if self.all_pos is None or self.all_pos_rows is None:
            raise ValueError(
                "this loss needs the scores of each user's training positives (ScoreBatch.all_pos and "
                "all_pos_rows); build the batch with needs_positive_scores set"
            )
        return self.all_pos, self.all_pos_rows

    def positive_counts(self) -> torch.Tensor:
        """Number of training positives of each row's user, (B,) long."""
        _, rows = self.positive_scores()
        return torch.bincount(rows, minlength=self.users.numel())

    def padded_positives(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``all_pos`` as a (B, P) matrix right-padded with 0, and its (B, P) mask of real entries."""
        values, rows = self.positive_scores()
        counts = self.positive_counts()
        width = int(counts.max()) if counts.numel() else 0
        slot = torch.arange(rows.numel(), device=rows.device) - (torch.cumsum(counts, 0) - counts)[rows]
        padded = values.new_zeros(self.users.numel(), width)
        mask = torch.zeros(padded.shape, dtype=torch.bool, device=values.device)
        padded[rows, slot] = values
        mask[rows, slot] = True
        return padded, mask

    @classmethod
    def with_padded_positives(cls, all_pos: torch.Tensor, mask: torch.Tensor, **fields: object) -> ScoreBatch:
        """A batch whose positives are given right-padded (``all_pos``, ``mask``), as in tests."""
        rows = torch.arange(mask.shape[0], device=mask.device)[:, None].expand_as(mask)[mask]
        return cls(all_pos=all_pos[mask], all_pos_rows=rows, **fields)  # type: ignore[arg-type]


@dataclass
class LossTerms:
    """``main`` is what is logged; the optimiser minimises ``main + extra`` (+ backbone aux)."""

    main: torch.Tensor
    extra: torch.Tensor | None = None

    @property
    def total(self) -> torch.Tensor:
        return self.main if self.extra is None else self.main + self.extra


class Loss(nn.Module):
    """A training loss with any extra trainable state; its name, hyper-parameters and traits are its record.

    Subclasses set ``declared`` to their ``LossDeclaration`` (declared in the module of the same name
    under ``talosbench.declared.losses``) and implement ``forward``; ``@register`` (in
    ``talosbench.losses.registry``) adds a class under its record's name, and every module of both
    packages is imported, so two new module files are the whole of a new loss. The constructor
    receives the dataset sizes, a generator and the resolved hyper-parameters as keyword arguments.
    """

    declared: ClassVar[LossDeclaration]
    """What the loss declares: name, hyper-parameters (the constructor's keywords) and traits."""

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
