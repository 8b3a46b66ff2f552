"""Measure what training and evaluation cost on this machine (``talosbench bench``).

Each (backbone, loss) pair trains for a few epochs at a named scale (``sized_interactions`` of a real
dataset's size) or on a dataset's iid split, with the paper's protocol (batch 1024, 1024 negatives
per row, BPR 1, dim 64), through the trainer's own steps (``build``, ``train_epoch``,
``run_evaluation``), so what is timed is what a run executes. Recorded: the median seconds per epoch
after one warm-up epoch, the seconds of one full evaluation pass, rows per second and peak memory,
merged into ``bench.json`` (``talosbench.bench.figures``).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from talosbench.backbones import BACKBONES
from talosbench.bench.figures import BenchResult, save_results
from talosbench.config import RunConfig
from talosbench.data import prepare_split
from talosbench.data.scenarios import build_split
from talosbench.data.split import Split
from talosbench.data.synthetic import sized_interactions
from talosbench.device import device_name, synchronize
from talosbench.errors import USAGE, TalosbenchError
from talosbench.losses import LOSSES
from talosbench.train.memory import peak_host_bytes
from talosbench.train.parts import build
from talosbench.train.trainer import run_evaluation, train_epoch


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


class BenchError(TalosbenchError, ValueError):
    """A bench request that cannot be run as given."""

    exit_code = USAGE


def synthetic_split(scale: Scale, seed: int = 0) -> Split:
    """The iid split of ``sized_interactions`` at ``scale``, with the full id ranges (sizes as named)."""
    frame = sized_interactions(scale.users, scale.items, scale.interactions, seed)
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
    negatives: int | None = None,
) -> BenchResult:
    """Train ``epochs`` timed epochs after one warm-up epoch and time full test-set evaluation passes.

    ``negatives`` None trains with the loss's default, as a run does.

    A loss with adversarial epochs (AdvInfoNCE) also runs ``epochs`` timed adversarial epochs after one
    warm-up, after the normal ones, so that a run's price can count the ones its schedule runs.
    """
    config = RunConfig(
        dataset=split.dataset,
        backbone=backbone,
        loss=loss,
        seed=seed,
        device=str(device),
        negatives=negatives,
    )
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
    adversarial_seconds = (
        [
            _timed(lambda: train_epoch(parts, config, shuffle, adversarial=True), device)
            for _ in range(epochs + 1)
        ][1:]
        if parts.adversary is not None
        else []
    )
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
        adversarial_seconds=statistics.median(adversarial_seconds) if adversarial_seconds else None,
        adversarial_seconds_all=adversarial_seconds,
    )


def pool_rounds(results: Sequence[BenchResult]) -> BenchResult:
    """One result from several rounds of the same pair: medians over every timed epoch and pass."""
    epochs = [t for r in results for t in r.epoch_seconds]
    passes = [t for r in results for t in r.eval_seconds_all]
    adversarial = [t for r in results for t in r.adversarial_seconds_all]
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
        adversarial_seconds=statistics.median(adversarial) if adversarial else None,
        adversarial_seconds_all=adversarial,
    )


def bench_split(scale: str | None, dataset: str | None, data_dir: Path | None = None) -> tuple[str, Split]:
    """The split to measure on: a named synthetic scale, or the iid split of a (cached) dataset."""
    if (scale is None) == (dataset is None):
        raise BenchError("give either --scale or --dataset, not both")
    if dataset is not None:  # prepared first if needed, as before any training
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
        "adv s/epoch",
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
                "-" if r.adversarial_seconds is None else f"{r.adversarial_seconds:.3f}",
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
