"""Typed suite objects: what one validated suite file says."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from talosbench.config import schema

Target = Literal["train", "loss", "backbone"]
"""What a suite value sets: a run setting of ``[train]``, a loss hyper-parameter or a backbone one."""


@dataclass(frozen=True)
class EvalSettings:
    """The ``[eval]`` table: what the runs measure and the report shows."""

    metrics: tuple[str, ...] = ("precision", "recall", "ndcg")
    """Metric names the report shows."""
    ks: tuple[int, ...] = (20,)
    """Cut-offs every run evaluates."""


@dataclass(frozen=True)
class Dim:
    """One tuning dimension: a list of values for one setting."""

    target: Target
    """What the value sets: a run setting, a loss hyper-parameter or a backbone hyper-parameter."""
    name: str
    """Setting or hyper-parameter name."""
    values: tuple[Any, ...]
    """Candidate values, in file order."""

    @property
    def label(self) -> str:
        """Name shown in tuning points: ``tau``, ``lr``, ``backbone.layers``."""
        return f"backbone.{self.name}" if self.target == "backbone" else self.name


@dataclass(frozen=True)
class Component:
    """A ``[losses.<label>]`` or ``[backbones.<name>]`` table: fixed values and tuning dimensions."""

    label: str
    """The grid name; for a loss alias (``talos@50``) it differs from ``name``."""
    name: str
    """Registered component name."""
    fixed: dict[tuple[Target, str], Any] = field(default_factory=dict)
    """Values the table fixes, keyed by (target, name)."""
    dims: tuple[Dim, ...] = ()
    """Tuning dimensions (lists in the table), in file order."""
    budget: int | None = None
    """Most tuning points of this loss; None takes the suite's budget."""


@dataclass(frozen=True)
class Cell:
    """One grid combination; the ``loss`` is the grid label (an alias where one is used)."""

    dataset: str
    scenario: str
    backbone: str
    loss: str

    def key(self) -> dict[str, str]:
        """The cell as the results store records it."""
        return {
            "dataset": self.dataset,
            "scenario": self.scenario,
            "backbone": self.backbone,
            "loss": self.loss,
        }

    def __str__(self) -> str:
        return f"{self.dataset}/{self.scenario}/{self.backbone}/{self.loss}"


@dataclass(frozen=True)
class Suite:
    """A validated suite file."""

    name: str
    """Suite name; results go to ``<results-dir>/<name>/``."""
    source: Path
    """The file it came from."""
    description: str
    """What the suite reproduces."""
    seeds: tuple[int, ...]
    """Reported training seeds: every one trains fresh at each cell's chosen point."""
    split_seed: int
    """Seed of every train/validation/test split (with ``vary_split``, the base of each run seed's)."""
    valid_metric: str
    """Validation metric (``precision@20``) for early stopping and tuning."""
    budget: int | None
    """Default most tuning points per loss; None trains the whole grid."""
    train: dict[str, Any]
    """The ``[train]`` table's values, keyed by ``RunConfig`` field; unset keys take the field defaults."""
    eval: EvalSettings
    """The ``[eval]`` table."""
    datasets: tuple[str, ...]
    """Grid datasets."""
    scenarios: tuple[str, ...]
    """Grid scenarios."""
    backbones: tuple[str, ...]
    """Grid backbones."""
    losses: tuple[str, ...]
    """Grid loss labels (aliases included)."""
    excludes: tuple[dict[str, tuple[str, ...]], ...] = ()
    """``[[exclude]]`` tables: a cell matching every key of one table is dropped."""
    preprocess: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Preprocessing overrides per dataset."""
    loss_tables: dict[str, Component] = field(default_factory=dict)
    """Per loss label: the loss it trains, fixed values, tuning dimensions, budget."""
    backbone_tables: dict[str, Component] = field(default_factory=dict)
    """Per backbone: fixed values and tuning dimensions."""
    tuning_seed: int = 0
    """Seed of every tuning trial; never one of ``seeds``, so no reported run is a selection winner."""
    vary_split: bool = False
    """Whether each run seed trains on its own split (``RunConfig.vary_split``), not one fixed split."""
    extra_budget: int = 6  # load.EXTRA_BUDGET
    """Second-stage trials of every budgeted loss with dimensions of its own (``[suite] extra_budget``;
    0: one stage), the same for each such loss."""
    sampler: str = "grid"
    """How budgeted cells pick their trials: ``grid`` (a seeded draw made up front) or ``tpe``
    (Optuna's TPE sampler, one trial at a time; needs the ``tune`` extra)."""
    pruner: str | None = None
    """Optuna's pruner that stops tuning trials whose validation curve falls behind their cell's earlier
    trials (``median`` or ``asha``; needs the ``tune`` extra); None: every trial trains to its end."""

    def setting(self, name: str) -> Any:
        """The ``[train]`` value of a run setting, else its ``RunConfig`` default."""
        return self.train[name] if name in self.train else schema(name).default
