"""Measure what training and evaluation cost on this machine, and estimate a suite's time from that.

``bench`` trains each (backbone, loss) pair for a few epochs at a named scale (synthetic data of a
real dataset's size) or on a cached dataset, with the paper's protocol (batch 1024, 1024 negatives
per row, BPR 1, dim 64), and records the median seconds per epoch after one warm-up epoch, the
seconds of one full evaluation pass, rows per second and peak memory. The results are kept in
``<data home>/bench.json`` so that ``estimate_run_seconds`` can price a run before it starts.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from talosbench.data import store
from talosbench.data.scenarios import build_split
from talosbench.data.split import Split
from talosbench.device import device_name, synchronize
from talosbench.losses import LOSSES
from talosbench.models import BACKBONES
from talosbench.train.config import RunConfig
from talosbench.train.memory import peak_host_bytes
from talosbench.train.scoring import Scorer
from talosbench.train.trainer import build, run_evaluation, train_epoch

BENCH_FILE = "bench.json"


@dataclass(frozen=True)
class Scale:
    """The size of a synthetic benchmark dataset (raw interactions, before the iid split)."""

    users: int
    items: int
    interactions: int


SCALES: dict[str, Scale] = {
    "beauty": Scale(15_603, 8_693, 140_000),
    "gowalla": Scale(30_000, 41_000, 1_000_000),
    "electronics": Scale(150_000, 52_000, 1_300_000),
    "tiny": Scale(300, 200, 4_000),  # for tests and smoke checks; not shown in the CLI help
}
PUBLIC_SCALES = ("beauty", "gowalla", "electronics")


class BenchError(ValueError):
    """A bench request that cannot be run as given."""


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

    @property
    def key(self) -> str:
        return bench_key(self.device, self.backbone, self.loss, self.scale)


def bench_key(device: str, backbone: str, loss: str, scale: str) -> str:
    """The key a result is stored under in ``bench.json``."""
    return f"{device}|{backbone}|{loss}|{scale}"


def synthetic_interactions(scale: Scale, seed: int = 0) -> pl.DataFrame:
    """``scale.interactions`` distinct (user, item) pairs with long-tailed user activity and item popularity.

    The shapes that drive cost follow ``talosbench.data.synthetic`` (lognormal activity, Zipf
    popularity), but items are drawn from the popularity alone: a benchmark needs the sizes and the
    skew of a dataset, not its latent preferences, and this runs in a second at electronics scale.
    """
    if scale.interactions > scale.users * scale.items // 2:
        raise BenchError("a bench scale needs fewer interactions than half of users x items")
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, scale.users)
    activity /= activity.sum()
    popularity = 1.0 / (rng.permutation(scale.items) + 1.0) ** 0.8
    popularity /= popularity.sum()
    # A user can hold at most half of the catalogue, so every user keeps negatives to sample.
    cap = scale.items // 2
    keys = np.zeros(0, dtype=np.int64)
    while keys.size < scale.interactions:
        need = int((scale.interactions - keys.size) * 1.1) + 16
        users = rng.choice(scale.users, size=need, p=activity)
        items = rng.choice(scale.items, size=need, p=popularity)
        keys = np.unique(np.concatenate([keys, users.astype(np.int64) * scale.items + items]))
        users_of = keys // scale.items
        rank = np.arange(keys.size) - np.searchsorted(users_of, users_of)
        keys = keys[rank < cap]
    keys = rng.permutation(keys)[: scale.interactions]
    return pl.DataFrame({"user": keys // scale.items, "item": keys % scale.items})


def synthetic_split(scale: Scale, seed: int = 0) -> Split:
    """The iid split of ``synthetic_interactions`` with the full id ranges (no k-core, sizes as named)."""
    frame = synthetic_interactions(scale, seed)
    return build_split(frame, "iid", seed, dataset="bench", n_users=scale.users, n_items=scale.items)


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _timed(fn: Callable[[], object], device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def bench_one(
    split: Split,
    scale: str,
    backbone: str,
    loss: str,
    device: torch.device,
    *,
    epochs: int = 3,
    eval_passes: int = 3,
    seed: int = 0,
) -> BenchResult:
    """Train ``epochs`` timed epochs after one warm-up epoch and time full test-set evaluation passes."""
    config = RunConfig(dataset=split.dataset, backbone=backbone, loss=loss, seed=seed, device=str(device))
    _reset_peak_rss()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    parts = build(split, config, device)
    shuffle = torch.Generator(device=device)
    shuffle.manual_seed(seed)
    epoch_seconds = [
        _timed(lambda: train_epoch(parts, config, shuffle, adversarial=False), device)
        for _ in range(epochs + 1)
    ][1:]
    eval_seconds = [
        _timed(lambda: run_evaluation(parts, config, "test"), device) for _ in range(eval_passes + 1)
    ][1:]
    per_epoch = statistics.median(epoch_seconds)
    n_rows = int(parts.train_users.numel())
    return BenchResult(
        scale=scale,
        backbone=backbone,
        loss=loss,
        device=device_name(device),
        negatives=parts.negatives,
        n_users=split.n_users,
        n_items=split.n_items,
        n_train_rows=n_rows,
        epochs=epochs,
        train_seconds_per_epoch=per_epoch,
        eval_seconds=statistics.median(eval_seconds),
        rows_per_second=n_rows / per_epoch,
        host_peak_bytes=peak_host_bytes(),
        device_peak_bytes=float(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else None,
        threads=torch.get_num_threads(),
        load=machine_load(),
        epoch_seconds=epoch_seconds,
        eval_seconds_all=eval_seconds,
    )


def pool_rounds(results: Sequence[BenchResult]) -> BenchResult:
    """One result from several rounds of the same pair: medians over every timed epoch and pass."""
    epochs = [t for r in results for t in r.epoch_seconds]
    passes = [t for r in results for t in r.eval_seconds_all]
    per_epoch = statistics.median(epochs)
    last = results[-1]
    return replace(
        last,
        epochs=len(epochs),
        train_seconds_per_epoch=per_epoch,
        eval_seconds=statistics.median(passes),
        rows_per_second=last.n_train_rows / per_epoch,
        host_peak_bytes=max(r.host_peak_bytes for r in results),
        device_peak_bytes=(
            None if last.device_peak_bytes is None else max(r.device_peak_bytes or 0.0 for r in results)
        ),
        rounds=len(results),
        epoch_seconds=epochs,
        eval_seconds_all=passes,
    )


def bench_split(scale: str | None, dataset: str | None, data_dir: Path | None = None) -> tuple[str, Split]:
    """The split to measure on: a named synthetic scale, or the iid split of a (cached) dataset."""
    if (scale is None) == (dataset is None):
        raise BenchError("give either --scale or --dataset, not both")
    if dataset is not None:
        from talosbench.data import prepare_split

        return dataset, prepare_split(dataset, "iid", 2024, data_dir=data_dir)
    assert scale is not None
    if scale not in SCALES:
        raise BenchError(f"unknown scale '{scale}'; valid: {', '.join(PUBLIC_SCALES)}")
    return scale, synthetic_split(SCALES[scale])


def run_bench(
    scale: str | None,
    dataset: str | None,
    backbones: Sequence[str],
    losses: Sequence[str],
    device: torch.device,
    *,
    epochs: int = 3,
    rounds: int = 1,
    data_dir: Path | None = None,
    on_result: Callable[[BenchResult], None] | None = None,
) -> list[BenchResult]:
    """Measure every (backbone, loss) pair; results are also merged into ``<data home>/bench.json``.

    With ``rounds > 1`` the pairs are measured round-robin that many times and each pair's medians
    pool all its rounds, so a slow spell of a shared machine falls on every pair alike instead of
    skewing the one measured during it. ``on_result`` sees each round's measurement.
    """
    for name in backbones:
        BACKBONES.get(name)  # unknown names fail before any data is built
    for name in losses:
        LOSSES.get(name)
    if epochs < 1:
        raise BenchError(f"--epochs must be at least 1, got {epochs}")
    if rounds < 1:
        raise BenchError(f"--rounds must be at least 1, got {rounds}")
    label, split = bench_split(scale, dataset, data_dir)
    pairs = [(backbone, loss) for backbone in backbones for loss in losses]
    measured: dict[tuple[str, str], list[BenchResult]] = {pair: [] for pair in pairs}
    for _ in range(rounds):
        for backbone, loss in pairs:
            result = bench_one(split, label, backbone, loss, device, epochs=epochs)
            measured[(backbone, loss)].append(result)
            if on_result is not None:
                on_result(result)
    results = [pool_rounds(measured[pair]) for pair in pairs]
    save_results(results, data_dir)
    return results


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
    from talosbench.device import DeviceError, resolve_device

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


def format_rows(results: Sequence[BenchResult]) -> tuple[list[str], list[list[object]]]:
    """Headers and rows of the bench table."""
    headers = [
        "backbone",
        "loss",
        "scale",
        "device",
        "train rows",
        "N",
        "s/epoch",
        "eval s",
        "rows/s",
        "host peak GB",
        "device peak GB",
    ]
    rows: list[list[object]] = []
    for r in results:
        device_gb = "-" if r.device_peak_bytes is None else f"{r.device_peak_bytes / 1e9:.2f}"
        rows.append(
            [
                r.backbone,
                r.loss,
                r.scale,
                r.device,
                r.n_train_rows,
                r.negatives,
                f"{r.train_seconds_per_epoch:.3f}",
                f"{r.eval_seconds:.3f}",
                f"{r.rows_per_second:,.0f}",
                f"{r.host_peak_bytes / 1e9:.2f}",
                device_gb,
            ]
        )
    return headers, rows


def machine_load() -> float | None:
    """The one-minute load average, recorded next to timings (other work on the machine skews them)."""
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None
