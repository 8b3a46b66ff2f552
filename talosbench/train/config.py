"""The plain configuration of one training run and the result it produces."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run; its hash is the run id."""

    dataset: str
    """Catalog name of the dataset (``synthetic``, ``movielens-100k``, ...) or an imported one."""
    scenario: str = "iid"
    """Shift scenario that splits the dataset (``iid``, ``temporal``, ``popularity``, ``given``)."""
    backbone: str = "mf"
    """Registered backbone name."""
    loss: str = "talos"
    """Registered loss name."""
    seed: int = 2024
    """The one seed behind every random generator of the training run."""
    split_seed: int = 2024
    """Seed of the train/validation/test split; fixed across run seeds so seeds measure training variance."""
    loss_params: dict[str, Any] = field(default_factory=dict)
    """Loss hyper-parameters overriding the loss's defaults."""
    backbone_params: dict[str, Any] = field(default_factory=dict)
    """Backbone hyper-parameters overriding the backbone's defaults."""
    preprocess: dict[str, Any] = field(default_factory=dict)
    """Preprocessing overrides of the dataset's catalog defaults (``min_rating``, ``k_core``...)."""
    lr: float = 1e-3
    """Adam learning rate of the model parameters."""
    weight_decay: float = 0.0
    """Coupled L2 weight decay of the model parameters (Adam, not AdamW, as the paper)."""
    epochs: int = 200
    """Epoch cap; early stopping usually ends the run sooner."""
    batch_size: int = 1024
    """Training rows per mini-batch."""
    negatives: int | None = None
    """Sampled negatives per row; None takes the loss's default (1024, BPR 1)."""
    shared_negatives: bool = False
    """Share one negative set across a batch (faster, departs from the paper's protocol)."""
    normalize: bool | None = None
    """Cosine scores; None takes the loss's default (on, except BPR)."""
    dim: int = 64
    """Embedding size."""
    eval_every: int = 5
    """Validate every this many epochs."""
    patience: int = 5
    """Stop after this many validations without strict improvement."""
    ks: tuple[int, ...] = (20,)
    """Cut-offs of the reported metrics."""
    valid_metric: str = "precision@20"
    """Validation metric that drives early stopping and tuning."""
    eval_batch: int = 1024
    """Users per evaluation block."""
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``; not part of the run id."""

    def identity(self) -> dict[str, Any]:
        """The fields that define the run's outcome (the device does not)."""
        data = asdict(self)
        data.pop("device")
        data["ks"] = list(self.ks)
        return data

    @property
    def run_id(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


STATUSES = ("completed", "diverged", "failed", "oom")


@dataclass
class RunResult:
    """What a run produced. ``test`` and ``per_user`` are empty unless a best snapshot exists."""

    status: str
    """One of STATUSES."""
    test: dict[str, float] = field(default_factory=dict)
    """Test metrics of the best validation snapshot, keyed like ``precision@20``."""
    best_valid: dict[str, float] = field(default_factory=dict)
    """Validation metrics at the best validation point."""
    best_epoch: int | None = None
    """Completed epochs at the best validation point."""
    epochs: int = 0
    """Training epochs completed."""
    history: pl.DataFrame = field(default_factory=pl.DataFrame)
    """One row per epoch: epoch, train_loss, train_seconds, eval_seconds, valid_<metric>..."""
    per_user: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Test values per evaluated user: user, <metric>... (feeds significance tests)."""
    timings: dict[str, float] = field(default_factory=dict)
    """train_seconds_per_epoch (median), train_seconds_total, eval_seconds (median), wall_seconds."""
    memory: dict[str, float] = field(default_factory=dict)
    """Peak memory in bytes: host_peak_bytes, device_peak_bytes."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """For thresholded losses at test: threshold_error, mean_threshold, mean_pos_score, mean_neg_score."""
    error: str | None = None
    """What went wrong, for a run that did not complete."""
    device: str = "cpu"
    """The device the run trained on."""
    split: dict[str, Any] = field(default_factory=dict)
    """Shift diagnostics of the split the run used (sizes, coverage, popularity divergence)."""
