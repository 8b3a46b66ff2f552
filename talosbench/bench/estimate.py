"""Price runs before they start, from the figures ``talosbench bench`` stored on this machine.

``estimate_run_seconds`` scales the closest stored measurement to a run's size; ``estimate_plan``
sums it over the runs a suite still has to do (``talosbench run --dry-run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from talosbench.bench.figures import load_results
from talosbench.data import DataError
from talosbench.data.datasets import dataset_summary
from talosbench.device import DeviceError, device_name, resolve_device
from talosbench.losses import LOSSES
from talosbench.runner.grid import CellStatus
from talosbench.train.scoring import Scorer

NEGATIVE_WORK = 8
"""Per-negative work (sampling, the loss, gradients) in units of one scored item column; at Beauty
scale with 1024 negatives this puts about half an epoch in each part, as profiled."""
SPARSE_TABLE_WORK = 0.25
"""Per-row share of the per-batch work over the whole item table on the sparse (CPU) path: its
normalisation and the Adam step, which do not shrink with fewer rows; fitted to MF + SL at Beauty and
Gowalla scale (31 and 52 us per row on 2 cores)."""


def _row_work(n_items: int, negatives: int, device_type: str, dim: int = 64) -> float:
    """Per-row work of the scoring path the scorer picks (``Scorer.choose_path``) plus the negatives."""
    negatives = max(negatives, 1)
    path = Scorer(False, n_items).choose_path(1024, negatives, dim, device_type)
    if path == "sparse":
        return float(2 * NEGATIVE_WORK * negatives + SPARSE_TABLE_WORK * n_items)
    scored = n_items if path == "full" else negatives * dim
    return float(scored + NEGATIVE_WORK * negatives)


def estimate_run_seconds(
    n_train_rows: int,
    n_items: int,
    backbone: str,
    loss: str,
    negatives: int | None,
    epochs: int,
    device: str | torch.device,
    *,
    data_dir: Path | None = None,
) -> float | None:
    """Training seconds of ``epochs`` epochs, scaled from the closest stored bench figure; None without one.

    The stored seconds per training row (same device, backbone and loss; the measurement with the
    nearest catalogue size) are scaled linearly in rows, epochs and the per-row work of the scoring
    path this device uses (``_row_work``). ``negatives`` None means the loss's default.
    """
    try:
        resolved = device if isinstance(device, torch.device) else resolve_device(device)
        name = device_name(resolved)
    except (DeviceError, RuntimeError):
        return None
    try:
        default_negatives = LOSSES.get(loss).default_negatives
    except KeyError:
        return None
    negatives = default_negatives if negatives is None else negatives
    prefix = f"{name}|{backbone}|{loss}|"
    candidates = [
        r
        for key, r in load_results(data_dir).items()
        if key.startswith(prefix) and r.get("n_train_rows") and r.get("train_seconds_per_epoch")
    ]
    if not candidates:
        return None
    ref = min(candidates, key=lambda r: abs(np.log(max(n_items, 1) / max(int(r["n_items"]), 1))))
    per_row = float(ref["train_seconds_per_epoch"]) / int(ref["n_train_rows"])
    kind = resolved.type
    work = _row_work(n_items, negatives, kind) / _row_work(int(ref["n_items"]), int(ref["negatives"]), kind)
    return per_row * work * n_train_rows * epochs


TRAIN_SHARE = 0.7
"""Share of a dataset's interactions that a split trains on (iid: about 63-72 %, docs/protocol.md §6.2)."""


@dataclass(frozen=True)
class PlanEstimate:
    """Training seconds of the runs still to do, each at its epoch cap (early stopping ends sooner)."""

    seconds: float
    """Sum over the runs that could be priced."""
    priced: int
    """Runs with a bench figure for their device, backbone and loss, on a prepared dataset."""
    unpriced: int
    """Runs without one: no stored bench figure, or the dataset is not prepared yet."""


def estimate_plan(cells: Sequence[CellStatus], *, data_dir: Path | None = None) -> PlanEstimate:
    """Sum ``estimate_run_seconds`` over every run of ``cells`` that is not complete yet.

    A cell is priced from its first run's configuration (a tuning grid over negatives or epochs
    is priced at its first point).
    """
    seconds, priced, unpriced = 0.0, 0, 0
    for status in cells:
        remaining = status.runs - status.done
        if remaining <= 0:
            continue
        config = status.plan.first_config()
        try:
            stats = dataset_summary(config.dataset, data_dir, config.preprocess or None)["stats"]
        except DataError:
            stats = None
        run = None
        if stats:
            run = estimate_run_seconds(
                int(stats["interactions"] * TRAIN_SHARE),
                int(stats["items"]),
                config.backbone,
                config.loss,
                config.negatives,
                config.epochs,
                config.device,
                data_dir=data_dir,
            )
        if run is None:
            unpriced += remaining
        else:
            seconds += run * remaining
            priced += remaining
    return PlanEstimate(seconds, priced, unpriced)
