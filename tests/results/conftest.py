"""Helpers of the results-store tests: a finished run's result and a run stored in suite ``demo``."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from talosbench.config import RunConfig, RunResult
from talosbench.results.layout import run_dir
from talosbench.results.write import write_run

CELL = {"dataset": "synthetic", "scenario": "iid", "backbone": "mf", "loss": "talos@50"}


def run_result(**overrides: object) -> RunResult:
    """A completed run's result with two epochs of history and two users; ``overrides`` replace fields."""
    base = {
        "status": "completed",
        "test": {"precision@20": 0.25, "recall@20": 0.5},
        "best_valid": {"precision@20": 0.3},
        "best_epoch": 10,
        "epochs": 35,
        "history": pl.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]}),
        "per_user": pl.DataFrame({"user": [0, 1], "precision@20": [0.2, 0.3]}),
        "timings": {"train_seconds_per_epoch": 0.5, "wall_seconds": 20.0},
        "memory": {"host_peak_bytes": 1024.0},
        "thresholds": {"threshold_error": 0.01},
    }
    base.update(overrides)
    return RunResult(**base)  # type: ignore[arg-type]


def write_demo(root: Path, config: RunConfig, **kwargs: object) -> Path:
    """Store ``config``'s run (``result=`` or ``run_result()``) in suite ``demo`` under ``root``."""
    directory = run_dir(root, "demo", config.run_id)
    write_run(directory, config, kwargs.pop("result", run_result()), suite="demo", cell=CELL, **kwargs)  # type: ignore[arg-type]
    return directory
