"""The figures ``talosbench bench`` stores: one ``BenchResult`` per measurement, kept in ``bench.json``.

``<data home>/bench.json`` maps ``bench_key`` (device, backbone, loss, scale) to the latest
measurement of that key, so that ``talosbench.bench.estimate`` can price runs before they start.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from talosbench.data import store

BENCH_FILE = "bench.json"


@dataclass
class BenchResult:
    """One (backbone, loss) measurement at one scale on one device."""

    scale: str
    backbone: str
    loss: str
    device: str
    negatives: int
    n_users: int
    n_items: int
    n_train_rows: int
    epochs: int
    train_seconds_per_epoch: float
    eval_seconds: float
    rows_per_second: float
    host_peak_bytes: float
    device_peak_bytes: float | None
    threads: int
    load: float | None = None
    """One-minute load average when the measurement ended (other work skews timings)."""
    rounds: int = 1
    """Rounds over all measured pairs whose timed epochs and passes the medians pool."""
    epoch_seconds: list[float] = field(default_factory=list)
    """Every timed epoch, in the order measured."""
    eval_seconds_all: list[float] = field(default_factory=list)
    """Every timed evaluation pass, in the order measured."""
    adversarial_seconds: float | None = None
    """Median seconds of one adversarial epoch (AdvInfoNCE's ascent on its hardness tables); None for
    losses without one. Kept apart from ``train_seconds_per_epoch``, which is one normal epoch."""
    adversarial_seconds_all: list[float] = field(default_factory=list)
    """Every timed adversarial epoch, in the order measured."""

    @property
    def key(self) -> str:
        return bench_key(self.device, self.backbone, self.loss, self.scale)


def bench_key(device: str, backbone: str, loss: str, scale: str) -> str:
    """The key a result is stored under in ``bench.json``."""
    return f"{device}|{backbone}|{loss}|{scale}"


def bench_path(data_dir: Path | None = None) -> Path:
    """``<data home>/bench.json``, checked like every path written under the data home."""
    home = store.data_home(data_dir)
    return store.within(home, home / BENCH_FILE)


def load_results(data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Stored results keyed by ``bench_key``; empty when nothing was measured or the file is unreadable."""
    path = bench_path(data_dir)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_results(results: Sequence[BenchResult], data_dir: Path | None = None) -> Path:
    """Merge ``results`` into ``bench.json`` (a later measurement of the same key replaces the earlier)."""
    stored = load_results(data_dir)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    for result in results:
        stored[result.key] = {**asdict(result), "measured_at": stamp, "host": platform.node()}
    path = bench_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write_json(path, stored)
    return path
