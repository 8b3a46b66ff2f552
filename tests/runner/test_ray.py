"""The Ray executor on a local 2-CPU Ray instance: parity with the local executor, faults, resume."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from talosbench.results import collect, read_result, run_dir  # noqa: E402
from talosbench.runner import Context, Listener, SilentListener, build_plan, run_suite  # noqa: E402
from talosbench.runner.execute import train  # noqa: E402
from talosbench.runner.ray_executor import RayExecutor, RayOptions  # noqa: E402
from talosbench.runner.records import Trained  # noqa: E402
from talosbench.suite import load_suite  # noqa: E402


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One local Ray instance for the module (startup takes seconds); its address for CLI drivers."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    info = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield info.address_info["gcs_address"]
    finally:
        ray.shutdown()


def frame(results: Path) -> dict[str, dict[str, Any]]:
    """Role, status and every metric of each stored run, by run id."""
    table = collect(results)
    keep = ["role", "status", "epochs", "best_epoch"] + [
        c for c in table.columns if c.startswith(("test_", "valid_"))
    ]
    return {row["run_id"]: {k: row[k] for k in keep} for row in table.iter_rows(named=True)}


class Recorder(Listener):
    """Remembers the order runs finish in and where they ran."""

    def __init__(self) -> None:
        self.finished_runs: list[tuple[str, str]] = []
        self.nodes: set[str] = set()

    def finished(self, job, outcome) -> None:  # type: ignore[no-untyped-def]
        self.finished_runs.append((job.cell.loss, job.role))

    def running(self, where: dict[str, int]) -> None:
        self.nodes.update(where)


def test_ray_gives_the_same_runs_and_metrics_as_local(
    cluster: str, tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    # bpr is tuned over two learning rates: its finals must come after both trials, as locally.
    suite_file = tiny_suite(3, lambda text: text.replace("[losses.bpr]", "[losses.bpr]\nlr = [0.01, 0.05]"))
    suite, data = load_suite(suite_file), tmp_path / "data"
    # One torch thread, as each Ray task has (its one CPU): thread counts change float sums.
    local = run_suite(suite, tmp_path / "local", data_dir=data, threads=1)
    listener = Recorder()
    remote = run_suite(suite, tmp_path / "ray", data_dir=data, executor="ray", listener=listener)
    assert local.failed == remote.failed == [] and local.ran == remote.ran == 8
    first, second = frame(tmp_path / "local"), frame(tmp_path / "ray")
    assert len(first) == 8 and first == second
    assert all(v["test_precision@20"] > 0 for v in first.values() if v["role"] == "final")
    bpr = [role for loss, role in listener.finished_runs if loss == "bpr"]
    assert bpr == ["trial", "trial", "final", "final"]
    assert listener.nodes == {ray.util.get_node_ip_address()}
    # Runs of one CPU each on a 2-CPU node: two may train at once, which each stored run records.
    assert set(collect(tmp_path / "ray")["shared_device"]) == {2}
    assert set(collect(tmp_path / "ray")["threads"]) == {1}  # a task's torch threads: its one CPU
    again = run_suite(suite, tmp_path / "ray", data_dir=data, executor="ray")
    assert again.ran == 0 and again.reused == 8


def _drive(executor: RayExecutor, count: int) -> list[Any]:
    """Submit ``count`` copies of the first job through ``executor`` and poll until all finish."""
    jobs = {executor.first.run_id: executor.first}
    futures = [executor.submit(executor.first) for _ in range(count)]
    deadline = time.monotonic() + 60
    while not all(f.done() for f in futures):
        assert time.monotonic() < deadline, "Ray tasks did not finish"
        executor.poll(jobs)
        time.sleep(0.05)
    executor.shutdown()
    return [f.result() for f in futures]


def _executor(tmp_path: Path, work: Any, retries: int, tiny_suite: Callable[..., Path]) -> RayExecutor:
    suite = load_suite(tiny_suite(1, lambda text: text.replace('"sl", "talos"', '"sl"')))
    ctx = Context(tmp_path / "runs", suite.name, tmp_path / "data")
    executor = RayExecutor(ctx, SilentListener(), RayOptions(max_retries=retries), "cpu", work=work)
    executor.first = build_plan(suite)[0].finals()[0]  # type: ignore[attr-defined]
    return executor


def test_a_task_whose_worker_dies_is_retried_and_completes(
    cluster: str, tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    marker = tmp_path / "crashed-once"

    def crash_once(ctx: Context, job: Any, on_event: Any, on_epoch: Any) -> Trained:
        if not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies mid-task, as if killed
        return train(ctx, job, on_event, on_epoch)

    executor = _executor(tmp_path, crash_once, 1, tiny_suite)
    (outcome,) = _drive(executor, 1)
    assert marker.exists() and outcome.ok and outcome.recorded
    stored = read_result(run_dir(tmp_path / "runs", "tiny", outcome.run_id))
    assert stored is not None and stored["status"] == "completed"


def test_a_task_out_of_retries_is_reported_failed_and_not_stored(
    cluster: str, tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    attempts = tmp_path / "attempts"
    attempts.mkdir()

    def always_crash(ctx: Context, job: Any, on_event: Any, on_epoch: Any) -> Trained:
        (attempts / str(os.getpid())).touch()
        os._exit(1)

    executor = _executor(tmp_path, always_crash, 1, tiny_suite)
    (outcome,) = _drive(executor, 1)
    assert outcome.status == "failed" and not outcome.recorded
    assert outcome.error.startswith("WorkerCrashedError") and "after 1 retry" in outcome.error
    assert len(list(attempts.iterdir())) == 2  # the first attempt and one retry, each in its own worker
    assert read_result(run_dir(tmp_path / "runs", "tiny", outcome.run_id)) is None


@pytest.mark.slow  # two CLI drivers each import torch and join Ray: ~20 s on 2 cores
def test_a_killed_driver_resumes_without_redoing_completed_runs(
    cluster: str, kill_mid_grid_and_rerun: Callable[..., tuple[int, str]]
) -> None:
    kill_mid_grid_and_rerun(["--executor", "ray", "--ray-address", cluster], wait_seconds=90)


@pytest.mark.slow  # two CLI drivers each import torch and join Ray: ~20 s on 2 cores
def test_sigterm_stops_a_ray_driver_like_ctrl_c(
    cluster: str, kill_mid_grid_and_rerun: Callable[..., tuple[int, str]]
) -> None:
    # ray.init installs a SIGTERM handler that exits on the spot; the runner's must win.
    args = ["--executor", "ray", "--ray-address", cluster]
    status, stderr = kill_mid_grid_and_rerun(args, wait_seconds=90, signum=signal.SIGTERM, group=False)
    assert status == 143, stderr
    assert "stopped by SIGTERM after " in stderr
