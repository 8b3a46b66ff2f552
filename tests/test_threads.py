"""A training process takes its share of the CPUs (talosbench/threads.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from talosbench import threads
from talosbench.cli import app
from talosbench.device import torch_threads
from talosbench.runner.local import PoolExecutor, SerialExecutor
from talosbench.runner.records import Context, SilentListener
from talosbench.threads import ThreadsError, available_cpus, thread_count

ROOT = Path(__file__).resolve().parents[1]


def test_available_cpus_follows_the_affinity_mask_and_a_container_quota(tmp_path: Path) -> None:
    mask = len(os.sched_getaffinity(0))
    cpu_max = tmp_path / "cpu.max"
    assert available_cpus(tmp_path / "missing") == mask  # no cgroup v2: the mask alone
    for line, expected in [
        ("max 100000", mask),  # no quota
        ("50000 100000", 1),  # half a CPU still gets a thread
        ("100000 100000", 1),
        (f"{200000 * mask} 100000", mask),  # a quota above the mask does not add CPUs
        ("garbage", mask),
    ]:
        cpu_max.write_text(line + "\n")
        assert available_cpus(cpu_max) == expected, line


def test_thread_count_divides_the_cpus_among_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 8)
    assert [thread_count(workers=w) for w in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]
    assert thread_count(3, workers=4) == 3  # --threads wins
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")  # the user's choice per process (outer level) wins next
    assert thread_count(workers=1) == 2 and thread_count(5) == 5
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")  # not a count: ignored, as torch ignores it
    assert thread_count(workers=2) == 4
    with pytest.raises(ThreadsError, match="--threads must be 1 or more, got 0") as info:
        thread_count(0)
    assert info.value.exit_code == 2


def test_each_pool_worker_gets_its_share_of_the_cpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 6)
    ctx = Context(tmp_path, "tiny")
    for jobs, given, expected in [(2, None, 3), (4, None, 1), (7, None, 1), (2, 5, 5)]:
        pool = PoolExecutor(ctx, SilentListener(), jobs, None, given)  # no work submitted: no worker starts
        assert pool.threads == expected, (jobs, given)
        pool.shutdown()
    assert SerialExecutor(ctx, SilentListener()).threads == 6


def test_torch_threads_sets_the_count_inside_and_restores_it_after() -> None:
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), torch_threads(1) as used:
        assert used == torch.get_num_threads() == 1
        raise RuntimeError("a failed run")
    assert torch.get_num_threads() == before


def test_train_threads_reaches_the_training_process_and_its_result(tmp_path: Path) -> None:
    before = torch.get_num_threads()
    args = ["train", "--dataset", "synthetic", "--epochs", "1", "--negatives", "8", "--device", "cpu"]
    result = CliRunner().invoke(app, [*args, "--threads", "1", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "threads: 1" in result.stdout  # what torch.get_num_threads() said while the run trained
    assert torch.get_num_threads() == before


def test_the_concurrency_bench_script_explains_itself() -> None:
    script = ROOT / "scripts" / "concurrency-bench"
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--only KEY=VALUE" in done.stdout and "unprotected" in done.stdout
    wrong = subprocess.run([sys.executable, str(script), "--modes", "fast"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "--modes: unknown fast" in wrong.stderr
