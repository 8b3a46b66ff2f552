"""Typed suite objects: what one validated suite file says."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Scope = Literal["train", "loss", "backbone"]

TRAIN_OVERRIDES = ("lr", "weight_decay", "negatives")
"""Training settings a ``[losses.<label>]`` table may set or tune for that loss alone."""


@dataclass(frozen=True)
class TrainSettings:
    """The ``[train]`` table: settings shared by every run of the suite."""

    epochs: int = 200
    """Epoch cap; early stopping usually ends a run sooner."""
    batch_size: int = 1024
    """Training rows per mini-batch."""
    negatives: int | None = None
    """Sampled negatives per row; unset takes each loss's default (1024, BPR 1)."""
    eval_every: int = 5
    """Validate every this many epochs."""
    patience: int = 5
    """Stop after this many validations without improvement."""
    dim: int = 64
    """Embedding size."""
    device: str = "auto"
    """``auto``, ``cpu``, ``cuda`` or ``cuda:N``; ``--device`` overrides it."""
    lr: float = 1e-3
    """Adam learning rate; a loss may override or tune it."""
    weight_decay: float = 0.0
    """Coupled L2 weight decay; a loss may override or tune it."""
    shared_negatives: bool = False
    """Share one negative set across a batch (faster, departs from the paper)."""
    eval_batch: int = 1024
    """Users per evaluation block."""


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

    scope: Scope
    """Where the value goes: the run's training settings, the loss or the backbone."""
    name: str
    """Setting or hyper-parameter name."""
    values: tuple[Any, ...]
    """Candidate values, in file order."""

    @property
    def label(self) -> str:
        """Name shown in tuning points: ``tau``, ``lr``, ``backbone.layers``."""
        return f"backbone.{self.name}" if self.scope == "backbone" else self.name


@dataclass(frozen=True)
class Component:
    """A ``[losses.<label>]`` or ``[backbones.<name>]`` table: fixed values and tuning dimensions."""

    label: str
    """The grid name; for a loss alias (``talos@50``) it differs from ``name``."""
    name: str
    """Registered component name."""
    fixed: dict[tuple[Scope, str], Any] = field(default_factory=dict)
    """Values the table fixes, keyed by (scope, name)."""
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
            "dataset": self.dataset, "scenario": self.scenario, "backbone": self.backbone, "loss": self.loss
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
    """Training seeds; tuning uses the first."""
    split_seed: int
    """Seed of every train/validation/test split."""
    valid_metric: str
    """Validation metric (``precision@20``) for early stopping and tuning."""
    budget: int | None
    """Default most tuning points per loss; None trains the whole grid."""
    train: TrainSettings
    """The ``[train]`` table."""
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
