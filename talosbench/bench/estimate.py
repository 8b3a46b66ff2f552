"""Price runs before they start: from the suite's runs already stored, else from the cost model.

``estimate_plan`` prices each run a suite still has to do (``talosbench run --dry-run``, ``suites``,
``status`` and the ``run`` summary), start-up and evaluation included, as a central figure with a
range, and says what the price rests on. Runs with no stored run to go by are priced by the cost model
(``bench/cost.py``) over bench figures of this device, between the earliest stop and the epoch cap.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from talosbench.bench.cost import dataset_sizes, run_cost
from talosbench.config import RunConfig
from talosbench.declared.losses.adversarial import adversarial_epochs_in
from talosbench.runner.status import CellStatus

SETUP_SECONDS = 0.1
"""Start-up of a run priced from bench figures alone (checks, loading a prepared split): the quick
suite's 28 runs took 0.08 s in all on 2 cores, the split made once; building the model is in the
epoch figures. Stored runs record theirs (``prepare_seconds``) and replace this figure."""


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
    measured: tuple[str, ...] = ()
    """Days (``YYYY-MM-DD``) the bench figures behind ``benched`` were measured."""
    published: tuple[str, ...] = ()
    """Datasets priced at the catalog's sizes, not prepared yet."""
    uncalibrated: int = 0
    """Unpriced runs whose dataset's sizes are known but no bench figure of this device prices them
    (``talosbench.bench.calibrate`` measures them)."""
    calibrated: float | None = None
    """Seconds the calibration behind this price took just now (None: none ran)."""

    @property
    def source(self) -> str:
        """Where the figures come from, in words."""
        parts = []
        if self.stored:
            parts.append(f"{self.stored} stored run{'s' if self.stored != 1 else ''} of this suite")
        if self.benched:
            days = sorted(set(self.measured) - {""})
            when = f" measured {days[0]}" + (f" to {days[-1]}" if len(days) > 1 else "") if days else ""
            if self.calibrated is not None:
                when = f" calibrated now in {self.calibrated:.0f}s"
            figures = f"bench figures of this device{when}"
            sizes = f" at the catalog's sizes of {', '.join(self.published)}" if self.published else ""
            parts.append(
                f"{figures}{sizes}, each run between its earliest early stop and its epoch cap "
                f"(their geometric mean as the estimate)"
            )
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


@dataclass(frozen=True)
class BenchPrice:
    """One run priced by the cost model."""

    fastest: float
    """Stopping as early as early stopping can."""
    slowest: float
    """Reaching the epoch cap."""
    measured_at: str
    published: bool


def _from_bench(config: RunConfig, data_dir: Path | None) -> BenchPrice | float | None:
    """One run by the cost model, each bound with its validations, its test pass and the start-up.

    A float: the dataset's sizes are known and its number of runs is what lacks a bench figure
    (``uncalibrated``); None: the sizes are not known.
    """
    sizes = dataset_sizes(config, data_dir)
    if sizes is None:
        return None
    cost = run_cost(
        sizes, config.backbone, config.loss, config.negatives, config.batch_size, config.device, data_dir
    )
    if cost is None:
        return 0.0
    values = config.loss_values

    def seconds(epochs: int) -> float:
        passes = epochs // config.eval_every + 1 + 1  # validations, the one after the cap, the test
        ascents = (
            adversarial_epochs_in(epochs, values["adv_interval"], values["adv_epochs"])
            if cost.adversarial
            else 0
        )
        return SETUP_SECONDS + cost.epoch * epochs + cost.adversarial * ascents + cost.evaluation * passes

    # The first validation always improves; ``patience`` more without improvement stop the run.
    earliest = min(config.epochs, config.eval_every * (config.patience + 1))
    return BenchPrice(seconds(earliest), seconds(config.epochs), cost.measured_at, sizes.published)


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
    by the cost model over bench figures: the geometric mean of stopping as early as possible and of
    the epoch cap (the quick suite's runs stop after a median of 18 epochs, between 8 and 40). A cell
    is priced from its first run's configuration (a tuning grid over negatives or epochs at its first
    point).
    """
    stored = stored_timings(results_dir, cells[0].plan.suite.name) if results_dir and cells else []
    central = low = high = 0.0
    priced = unpriced = benched = uncalibrated = 0
    used: set[int] = set()
    measured: set[str] = set()
    published: dict[str, None] = {}
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
        elif isinstance(bench := _from_bench(config, data_dir), BenchPrice):
            benched += remaining
            measured.add(bench.measured_at)
            if bench.published:
                published[config.dataset] = None
            run = (math.sqrt(bench.fastest * bench.slowest), bench.fastest, bench.slowest)
        else:
            unpriced += remaining
            uncalibrated += remaining if bench is not None else 0
            continue
        priced += remaining
        central, low, high = central + run[0] * remaining, low + run[1] * remaining, high + run[2] * remaining
    return PlanEstimate(
        central,
        priced,
        unpriced,
        low,
        high,
        len(used),
        benched,
        tuple(sorted(measured)),
        tuple(published),
        uncalibrated,
    )
