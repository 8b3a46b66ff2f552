"""A short automatic measurement of this device, so that a suite is priced before its first run.

When no bench figure of this device prices a run (``talosbench run --dry-run`` on a fresh machine),
``calibrate_plan`` times what the cost model (``bench/cost.py``) needs at one small synthetic size,
``CALIBRATION_SIZE``: each loss of the plan with MF (at its default negatives and at ``FEW_NEGATIVES``, so
that the model tells a batch's fixed cost from its per-row work), and, for each graph backbone, that
backbone and MF with ``REFERENCE_LOSS`` (its propagation is their difference), and once per device
MF with ``REFERENCE_LOSS`` over a catalogue ``WIDE_ITEMS`` wide (how a row's cost grows with the
catalogue). Each trains one
warm-up and one timed epoch and one evaluation pass through the trainer's own steps (``bench_one``);
the figures are stored in ``bench.json`` under the scales ``calibration``, ``calibration-few`` and
``calibration-wide``,
like ``talosbench bench``'s, so a machine is calibrated once, and a real bench figure of a pair is
used instead wherever one is stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from talosbench.bench.cost import (
    CALIBRATION_FEW_SCALE,
    CALIBRATION_SCALE,
    PLAIN_BACKBONE,
    REFERENCE_LOSS,
    WIDE_SCALE,
    dataset_sizes,
    device_figures,
)
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.device_form import DeviceError
from talosbench.runner.status import CellStatus

FEW_NEGATIVES = 64
"""Negatives of that second figure: beside the default's, it separates a batch's fixed cost from its
per-row work (``cost._batch_cost``), which a run with fewer negatives than the default keeps paying
(and which a run of BPR, 1 negative by default, with more negatives does not multiply)."""
WIDE_ITEMS = 16_000
"""Items of the wide figure (``WIDE_SCALE``), the calibration's users and interactions otherwise."""
CALIBRATION_SIZE = (1_000, 1_200, 8_000)
"""Users, items and interactions of the calibration data: more items than the default 1024 negatives,
five batches of training rows; a pair's warm-up, timed epoch and evaluation pass take 0.2 s on a
2-core CPU (AdvInfoNCE's, with its adversarial epochs, most of the quick suite's 8 s)."""


@dataclass(frozen=True)
class Calibration:
    """What a calibration measured."""

    seconds: float
    """Wall time of the whole calibration, the data built and torch loaded included."""
    pairs: tuple[tuple[str, str], ...]
    """(backbone, loss) pairs measured."""


def needed_pairs(runs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (backbone, loss) figures the cost model needs to price runs of these (backbone, loss)."""
    needed: dict[tuple[str, str], None] = {}
    for backbone, loss in runs:
        needed[(PLAIN_BACKBONE, loss)] = None
        if backbone != PLAIN_BACKBONE:
            needed[(PLAIN_BACKBONE, REFERENCE_LOSS)] = None
            needed[(backbone, REFERENCE_LOSS)] = None
    return list(needed)


def missing_pairs(
    pairs: Sequence[tuple[str, str]], device: str, data_dir: Path | None
) -> list[tuple[str, str]]:
    """Those of ``pairs`` that no stored figure of this device measures, at any size."""
    found = device_figures(device, data_dir)
    stored = {(r["backbone"], r["loss"]) for r in found[0]} if found else set()
    return [pair for pair in pairs if pair not in stored]


def calibrate(pairs: Sequence[tuple[str, str]], device: str, data_dir: Path | None = None) -> Calibration:
    """Measure ``pairs`` at ``CALIBRATION_SIZE`` on ``device`` and store them in ``bench.json``; and,
    where this device has no wide figure yet, MF with ``REFERENCE_LOSS`` at both widths in the same
    minutes (``cost._table_work``)."""
    start = time.perf_counter()
    from talosbench.bench.figures import save_results
    from talosbench.bench.measure import Scale, bench_one, synthetic_split
    from talosbench.device import resolve_device

    resolved = resolve_device(device)
    found = device_figures(resolved, data_dir)
    wide_missing = not any(r.get("scale") == WIDE_SCALE for r in (found[0] if found else []))
    measure = list(pairs)
    if wide_missing and (PLAIN_BACKBONE, REFERENCE_LOSS) not in measure:
        measure.append((PLAIN_BACKBONE, REFERENCE_LOSS))
    users, items, interactions = CALIBRATION_SIZE
    split = synthetic_split(Scale(users, items, interactions))
    results = []
    for backbone, loss in measure:
        results.append(bench_one(split, CALIBRATION_SCALE, backbone, loss, resolved, epochs=1, eval_passes=1))
        if backbone == PLAIN_BACKBONE and DECLARED_LOSSES.get(loss).negatives(None) != FEW_NEGATIVES:
            results.append(
                bench_one(
                    split,
                    CALIBRATION_FEW_SCALE,
                    backbone,
                    loss,
                    resolved,
                    epochs=1,
                    eval_passes=1,
                    negatives=FEW_NEGATIVES,
                )
            )
    if wide_missing:
        wide = synthetic_split(Scale(users, WIDE_ITEMS, interactions))
        results.append(
            bench_one(wide, WIDE_SCALE, PLAIN_BACKBONE, REFERENCE_LOSS, resolved, epochs=1, eval_passes=1)
        )
    save_results(results, data_dir)
    return Calibration(time.perf_counter() - start, tuple(measure))


def calibrate_plan(cells: Sequence[CellStatus], data_dir: Path | None = None) -> Calibration | None:
    """Calibrate what the unfinished cells' runs need and no stored figure gives; None when nothing is
    missing (or no run could be priced anyway: its dataset's sizes are not known)."""
    by_device: dict[str, list[tuple[str, str]]] = {}
    for status in cells:
        if status.done >= status.runs:
            continue
        config = status.plan.first_config()
        if dataset_sizes(config, data_dir) is not None:
            by_device.setdefault(config.device, []).append((config.backbone, config.loss))
    measured = []
    seconds = 0.0
    for device, runs in by_device.items():
        missing = missing_pairs(needed_pairs(runs), device, data_dir)
        if not missing:
            continue
        try:
            done = calibrate(missing, device, data_dir)
        except (DeviceError, RuntimeError):  # a device this machine lacks: its runs stay unpriced
            continue
        measured.extend(done.pairs)
        seconds += done.seconds
    return Calibration(seconds, tuple(measured)) if measured else None
