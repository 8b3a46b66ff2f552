"""Run one configuration end to end: load its split, train, test. The entry point for the API and CLI.

The data must be prepared before (``talosbench.data.prepare_split``): training never downloads.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.data import Split, load_split
from talosbench.device import resolve_device
from talosbench.train.limits import out_of_memory
from talosbench.train.parts import build
from talosbench.train.snapshot import restore, unflatten
from talosbench.train.trainer import PruneCallback, fit, run_evaluation


def check_config(config: RunConfig) -> None:
    """Fail fast on a device this machine lacks, before any data is touched (a download or a split must
    not come first only to end in a DeviceError).

    Everything else was checked when the ``RunConfig`` was built: its settings, and its loss's and
    backbone's names and hyper-parameters; only the device needs torch, to ask whether it exists.
    """
    resolve_device(config.device)


def run_config(
    config: RunConfig,
    *,
    data_dir: Path | None = None,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> RunResult:
    """Train and test one configuration.

    Configuration errors (unknown names, bad hyper-parameters, a dataset that is not prepared) raise; a run
    that fails while training is returned with status ``failed`` / ``diverged`` / ``oom`` and its
    error, so a grid of runs never dies with one of them.
    """
    check_config(config)
    split = load_split(
        config.dataset,
        config.scenario,
        config.run_split_seed,
        data_dir=data_dir,
        preprocess=config.preprocess or None,
        on_event=on_event,
    )
    return train_split(config, split, on_epoch=on_epoch)


def train_split(
    config: RunConfig,
    split: Split,
    *,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    prune: PruneCallback | None = None,
) -> RunResult:
    """Train and test ``config`` on a split already in hand (checked with ``check_config`` first);
    ``prune`` may stop it at a validation (a tuning trial's pruner)."""
    device = resolve_device(config.device)
    try:
        return fit(split, config, device, on_epoch=on_epoch, prune=prune)
    except Exception as exc:  # a crash inside training is recorded, not propagated
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        status = "oom" if out_of_memory(exc) else "failed"  # e.g. building embeddings too large to allocate
        if status == "oom":
            detail = f"out of memory on {device}: {detail}"
        return RunResult(status=status, error=detail, device=str(device), split=dict(split.diagnostics))


@dataclass(frozen=True)
class Scores:
    """The metrics of one model on its split, keyed as ``RunResult`` keys them."""

    valid: dict[str, float]
    """Validation metrics (``RunResult.best_valid`` holds them for the best snapshot)."""
    test: dict[str, float]
    """Test metrics, keyed like ``precision@20``."""
    thresholds: dict[str, float]
    """Test threshold diagnostics of thresholded losses (empty for the others)."""


def score_model(config: RunConfig, split: Split, tensors: Mapping[str, Any]) -> Scores:
    """Validation and test metrics of stored weights (``RunResult.model``) with the trainer's evaluation.

    The run is built as ``fit`` builds it and the weights are loaded in place of the trained ones,
    so the numbers come from exactly the code that produced the stored metrics (docs/protocol.md §4).
    """
    check_config(config)
    device = resolve_device(config.device)
    parts = build(split, config, device)
    restore(parts, unflatten({name: tensor.to(device) for name, tensor in tensors.items()}))
    valid = run_evaluation(parts, config, "valid")
    test = run_evaluation(parts, config, "test")
    return Scores(
        valid=dict(valid.means),
        test={k: v for k, v in test.means.items() if "@" in k},
        thresholds={k: v for k, v in test.means.items() if "@" not in k},
    )
