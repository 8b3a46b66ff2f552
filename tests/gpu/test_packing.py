"""`--jobs 2 --devices cuda:0`: two worker processes share one GPU and train at the same time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from talosbench.device import device_name
from talosbench.results import read_result, run_dir
from talosbench.runner import Listener, run_suite
from talosbench.runner.local import parse_devices
from talosbench.runner.records import Job
from talosbench.suite import load_suite

pytestmark = pytest.mark.gpu

# Four runs of a few seconds each (50 epochs, patience that never runs out), so two workers overlap.
SUITE = """
[suite]
name = "packed"
seeds = [1, 2]

[train]
epochs = 50
eval_every = 1
patience = 50
negatives = 64
lr = 0.05

[grid]
datasets = ["synthetic"]
losses = ["sl", "talos"]
"""


class Events(Listener):
    """The order in which runs started and reported epochs (the queue's order: one queue, all workers)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def started(self, job: Job) -> None:
        self.log.append(("started", job.run_id))

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        self.log.append(("epoch", job.run_id))


def overlapping(log: list[tuple[str, str]]) -> bool:
    """Whether some run reported an epoch between another run's start and that run's last epoch."""
    for run in {run for _, run in log}:
        start = log.index(("started", run))
        last = max(i for i, event in enumerate(log) if event == ("epoch", run))
        if any(kind == "epoch" and other != run for kind, other in log[start:last]):
            return True
    return False


def test_two_jobs_pinned_to_one_gpu_share_it_at_the_same_time(tmp_path: Path, device: torch.device) -> None:
    suite_file = tmp_path / "packed.toml"
    suite_file.write_text(SUITE, encoding="utf-8")
    data_dir = tmp_path / "data"
    events = Events()
    pinned = parse_devices(str(device))  # what `--devices cuda:0` passes to the runner
    summary = run_suite(
        load_suite(suite_file, data_dir=data_dir),
        tmp_path / "runs",
        jobs=2,
        devices=pinned,
        data_dir=data_dir,
        listener=events,
    )
    assert summary.failed == [] and summary.ran == 4
    runs = sorted(path for path in (tmp_path / "runs" / "packed").iterdir() if path.is_dir())
    assert len(runs) == 4
    for folder in runs:
        stored = read_result(run_dir(tmp_path / "runs", "packed", folder.name))
        assert stored is not None and stored["status"] == "completed"
        assert stored["environment"]["device"] == str(device)
        assert stored["environment"]["shared_device"] == 2  # both workers were placed on this device
        assert stored["device"] == device_name(device)
    assert overlapping(events.log), events.log
