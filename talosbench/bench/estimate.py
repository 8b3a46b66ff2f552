"""Price runs before they start: from the suite's runs already stored, else from ``talosbench bench`` figures.

``estimate_run_seconds`` scales the closest stored bench measurement to a run's training; ``estimate_plan``
prices each run a suite still has to do (``talosbench run --dry-run``, and the ``run`` summary), start-up
and evaluation included, as a central figure with a range.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talosbench.bench.figures import load_results
from talosbench.config import RunConfig
from talosbench.data import DataError
from talosbench.data.summary import dataset_summary
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.declared.losses.adversarial import adversarial_epochs_in
from talosbench.device_form import DeviceError
from talosbench.runner.status import CellStatus

if TYPE_CHECKING:
    import torch

NEGATIVE_WORK = 8
"""Per-negative work (sampling, the loss, gradients) in units of one scored item column; at Beauty
scale with 1024 negatives this puts about half an epoch in each part, as profiled."""
SPARSE_TABLE_WORK = 0.25
"""Per-row share of the per-batch work over the whole item table on the sparse (CPU) path: its
normalisation and the Adam step, which do not shrink with fewer rows; fitted to MF + SL at Beauty and
Gowalla scale (31 and 52 us per row on 2 cores)."""


def _row_work(n_items: int, negatives: int, device_type: str, dim: int = 64) -> float:
    """Per-row work of the scoring path the scorer picks (``Scorer.choose_path``) plus the negatives."""
    from talosbench.train.scoring import Scorer  # torch: imported only where a bench figure prices a run

    negatives = max(negatives, 1)
    path = Scorer(False, n_items).choose_path(1024, negatives, dim, device_type)
    if path == "sparse":
        return float(2 * NEGATIVE_WORK * negatives + SPARSE_TABLE_WORK * n_items)
    scored = n_items if path == "full" else negatives * dim
    return float(scored + NEGATIVE_WORK * negatives)


def _bench_reference(
    n_items: int, backbone: str, loss: str, device: str | torch.device, data_dir: Path | None
) -> tuple[dict[str, Any], torch.device] | None:
    """The stored bench figure nearest in catalogue size for this device, backbone and loss, if any."""
    usable = {
        key: r
        for key, r in load_results(data_dir).items()
        if f"|{backbone}|{loss}|" in key and r.get("n_train_rows") and r.get("train_seconds_per_epoch")
    }
    if not usable:  # nothing to price it from: no need to ask torch which device this is (seconds)
        return None
    import torch

    from talosbench.device import device_name, resolve_device

    try:
        resolved = device if isinstance(device, torch.device) else resolve_device(device)
        name = device_name(resolved)
    except (DeviceError, RuntimeError):
        return None
    candidates = [r for key, r in usable.items() if key.startswith(f"{name}|{backbone}|{loss}|")]
    if not candidates:
        return None
    ref = min(candidates, key=lambda r: abs(np.log(max(n_items, 1) / max(int(r["n_items"]), 1))))
    return ref, resolved


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
    if loss not in DECLARED_LOSSES:
        return None
    negatives = DECLARED_LOSSES.get(loss).negatives(negatives)
    found = _bench_reference(n_items, backbone, loss, device, data_dir)
    if found is None:
        return None
    ref, resolved = found
    per_row = float(ref["train_seconds_per_epoch"]) / int(ref["n_train_rows"])
    kind = resolved.type
    work = _row_work(n_items, negatives, kind) / _row_work(int(ref["n_items"]), int(ref["negatives"]), kind)
    return per_row * work * n_train_rows * epochs


TRAIN_SHARE = 0.7
"""Share of a dataset's interactions that a split trains on (iid: about 63-72 %, docs/protocol.md §6.2)."""

SETUP_SECONDS = 1.0
"""Start-up of a run priced from bench figures alone (checks, loading a prepared split, building the
model): stored runs record theirs (``prepare_seconds``), and replace this figure once there are any."""


@dataclass(frozen=True)
class PlanEstimate:
    """Seconds of the runs still to do, one at a time: a central figure and a range."""

    seconds: float
    """Central estimate, summed over the runs that could be priced."""
    priced: int
    """Runs priced, from stored runs or bench figures."""
    unpriced: int
    """Runs without a price: nothing stored, no bench figure, or the dataset is not prepared yet."""
    low: float = 0.0
    """Least likely total (the fastest stored runs, or every run stopping early as soon as it can)."""
    high: float = 0.0
    """Greatest likely total (the slowest stored runs, or every run reaching its epoch cap)."""
    stored: int = 0
    """Stored runs of this suite the prices came from (0: bench figures alone)."""
    benched: int = 0
    """Runs priced from bench figures because no stored run could price them."""

    @property
    def source(self) -> str:
        """Where the figures come from, in words."""
        parts = []
        if self.stored:
            parts.append(f"{self.stored} stored run{'s' if self.stored != 1 else ''} of this suite")
        if self.benched:
            parts.append("`talosbench bench` figures")
        return " and ".join(parts)


@dataclass(frozen=True)
class StoredTiming:
    """What a stored run took, start-up and evaluation included."""

    cell: tuple[str, str, str, str]
    """(dataset, scenario, backbone, loss label)."""
    device: str
    seconds: float
    """``prepare_seconds`` (when recorded) plus the trainer's ``wall_seconds``."""


def stored_timings(results_dir: Path, suite: str) -> list[StoredTiming]:
    """The timings of every stored run of ``suite`` under ``results_dir`` (none when it has none).

    Only ``result.json`` is read (a damaged one is left out): pricing needs no metrics table.
    """
    from talosbench.results import RESULT_FILE, DamagedRunError, read_result, suite_dir

    out = []
    for marker in sorted(suite_dir(results_dir, suite).glob(f"*/{RESULT_FILE}")):
        try:
            result = read_result(marker.parent) or {}
        except DamagedRunError:
            continue
        timings, cell = result.get("timings"), result.get("cell")
        if not isinstance(timings, dict) or not isinstance(cell, dict):
            continue  # a hand-edited result.json prices nothing
        seconds = _seconds(timings.get("wall_seconds")) + _seconds(timings.get("prepare_seconds") or 0.0)
        if not math.isfinite(seconds) or seconds < 0:
            continue
        key = (
            str(cell.get("dataset")),
            str(cell.get("scenario")),
            str(cell.get("backbone")),
            str(cell.get("loss")),
        )
        out.append(StoredTiming(key, _device_kind(str(result.get("device") or "")), seconds))
    return out


def _seconds(value: object) -> float:
    """A stored duration; NaN (never priced) for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > 1e300:
        return math.nan
    return float(value)


def _device_kind(device: str) -> str:
    """``cuda`` for any GPU (``cuda:1``), else the name (``cpu``): stored runs price runs on the same kind."""
    return "cuda" if device.startswith("cuda") else device


def _from_stored(
    cell: tuple[str, str, str, str], device: str, stored: list[StoredTiming]
) -> list[StoredTiming]:
    """The stored runs that price a run of ``cell``: its own cell's, else all of the suite's.

    A device left to the runner (``auto``) matches whatever device the stored runs had.
    """
    same_device = [t for t in stored if device == "auto" or t.device == _device_kind(device)]
    return [t for t in same_device if t.cell == cell] or same_device


def _from_bench(config: RunConfig, data_dir: Path | None) -> tuple[float, float] | None:
    """(fastest, slowest) seconds of one run from bench figures: stopping as early as early stopping
    can, and at the epoch cap; each with its validations, its test pass and the start-up."""
    try:
        stats = dataset_summary(config.dataset, data_dir, config.preprocess or None)["stats"]
    except DataError:
        return None
    if not stats:
        return None
    rows, items, users = int(stats["interactions"] * TRAIN_SHARE), int(stats["items"]), int(stats["users"])
    found = _bench_reference(items, config.backbone, config.loss, config.device, data_dir)
    per_epoch = estimate_run_seconds(
        rows, items, config.backbone, config.loss, config.negatives, 1, config.device, data_dir=data_dir
    )
    if found is None or per_epoch is None:
        return None
    ref = found[0]
    # A full-ranking pass scores every user against every item.
    scale = (users * items) / max(int(ref.get("n_users") or users) * int(ref["n_items"]), 1)
    eval_pass = float(ref.get("eval_seconds") or 0.0) * scale
    # An adversarial epoch scales as a normal one does: the same rows, negatives and scoring path.
    adversarial = (
        per_epoch * float(ref.get("adversarial_seconds") or 0.0) / float(ref["train_seconds_per_epoch"])
    )
    values = config.loss_values

    def seconds(epochs: int) -> float:
        passes = epochs // config.eval_every + 1 + 1  # validations, the one after the cap, the test
        ascents = (
            adversarial_epochs_in(epochs, values["adv_interval"], values["adv_epochs"]) if adversarial else 0
        )
        return SETUP_SECONDS + per_epoch * epochs + adversarial * ascents + eval_pass * passes

    # The first validation always improves; ``patience`` more without improvement stop the run.
    earliest = min(config.epochs, config.eval_every * (config.patience + 1))
    return seconds(earliest), seconds(config.epochs)


def estimate_plan(
    cells: Sequence[CellStatus],
    *,
    data_dir: Path | None = None,
    results_dir: Path | None = None,
    force: bool = False,
) -> PlanEstimate:
    """Price every run of ``cells`` that is not complete yet (every run with ``force``), one at a time.

    With stored runs of the suite under ``results_dir``, a run costs what the stored runs of its cell
    took (their median, their fastest and slowest as the range), or, for a cell with none, what the
    suite's stored runs took; start-up and evaluation are in those figures. Without any, it is priced
    from bench figures: the mid-point between stopping as early as possible and the epoch cap. A cell
    is priced from its first run's configuration (a tuning grid over negatives or epochs at its first
    point).
    """
    stored = stored_timings(results_dir, cells[0].plan.suite.name) if results_dir and cells else []
    central = low = high = 0.0
    priced = unpriced = benched = 0
    used: set[int] = set()
    for status in cells:
        remaining = status.runs if force else status.runs - status.done
        if remaining <= 0:
            continue
        config = status.plan.first_config()
        cell = (
            status.plan.cell.dataset,
            status.plan.cell.scenario,
            status.plan.cell.backbone,
            status.plan.cell.loss,
        )
        pricing = _from_stored(cell, config.device, stored)
        if pricing:
            used.update(id(t) for t in pricing)
            samples = [t.seconds for t in pricing]
            run = (statistics.median(samples), min(samples), max(samples))
        elif (bench := _from_bench(config, data_dir)) is not None:
            benched += remaining
            run = ((bench[0] + bench[1]) / 2, bench[0], bench[1])
        else:
            unpriced += remaining
            continue
        priced += remaining
        central, low, high = central + run[0] * remaining, low + run[1] * remaining, high + run[2] * remaining
    return PlanEstimate(central, priced, unpriced, low, high, len(used), benched)
