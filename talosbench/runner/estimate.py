"""Price the runs a suite still has to do, from the figures ``talosbench bench`` stored on this machine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from talosbench.bench import estimate_run_seconds
from talosbench.data import DataError
from talosbench.data.datasets import dataset_summary
from talosbench.runner.grid import CellStatus

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
        config = (status.plan.trials() or status.plan.finals())[0].config
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
