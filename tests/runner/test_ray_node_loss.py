"""The Ray executor on a two-node Ray cluster on this machine, one node killed mid-grid.

``ray.cluster_utils.Cluster`` starts a head node and a worker node as separate raylets; removing the
worker without grace kills its processes as a lost machine would. Runs only start on the worker once
the head's one CPU is taken, so the grid spreads over both nodes, and every attempt of every run
leaves a marker naming the node it started on, read back to tell what trained where and how often.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

import talosbench.runner.suite_run as suite_run  # noqa: E402
from talosbench.results import collect  # noqa: E402
from talosbench.runner import Context, run_suite  # noqa: E402
from talosbench.runner.execute import train  # noqa: E402
from talosbench.runner.ray_executor import RayExecutor, RayOptions  # noqa: E402
from talosbench.runner.records import Trained  # noqa: E402
from talosbench.suite import load_suite  # noqa: E402

RUNS = 6  # the tiny suite: bpr, sl, talos x 2 seeds


@pytest.fixture
def two_nodes() -> Iterator[tuple[Any, Any]]:
    """A head node and one worker node of one CPU each, joined by this process; (cluster, worker)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    cluster = cluster_utils.Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        yield cluster, worker
    finally:
        ray.shutdown()
        cluster.shutdown()


def marked_train(markers: Path, doomed: str) -> Callable[..., Trained]:
    """``execute.train`` that first marks each attempt ``<run-id>.<node-id>.<pid>``; on ``doomed`` it
    then waits, so that a run held there is still training when the node goes."""

    def work(ctx: Context, job: Any, on_event: Any, on_epoch: Any) -> Trained:
        node = ray.get_runtime_context().get_node_id()
        (markers / f"{job.run_id}.{node}.{os.getpid()}").touch()
        if node == doomed:
            time.sleep(600)
        return train(ctx, job, on_event, on_epoch)

    return work


def use_ray_with(monkeypatch: pytest.MonkeyPatch, work: Callable[..., Trained]) -> None:
    """Make ``run_suite``'s Ray executor train with ``work``."""
    monkeypatch.setattr(
        suite_run,
        "open_executor",
        lambda kind, ctx, listener, jobs, device, devices, options, threads: RayExecutor(
            ctx, listener, options or RayOptions(), device, work=work
        ),
    )


def attempts(markers: Path) -> dict[str, list[str]]:
    """The nodes each run started on, by run id, one entry per attempt."""
    found: dict[str, list[str]] = {}
    for marker in markers.iterdir():
        run_id, node, _ = marker.name.split(".")
        found.setdefault(run_id, []).append(node)
    return found


def kill_when_held(cluster: Any, worker: Any, markers: Path) -> threading.Thread:
    """Remove ``worker`` (its processes killed) as soon as a run has started on it."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(worker.node_id in nodes for nodes in attempts(markers).values()):
                cluster.remove_node(worker, allow_graceful=False)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow  # a two-node cluster and three grids of Ray tasks: ~60 s on 2 cores
def test_a_node_lost_mid_grid_fails_or_retries_its_runs_and_the_rerun_completes(
    two_nodes: tuple[Any, Any],
    tmp_path: Path,
    tiny_suite: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster, worker = two_nodes
    suite, data, results = load_suite(tiny_suite(2)), tmp_path / "data", tmp_path / "runs"
    markers = tmp_path / "markers"
    markers.mkdir()
    use_ray_with(monkeypatch, marked_train(markers, worker.node_id))

    # No retries: the runs the lost node held are reported failed, not stored; the others complete.
    watcher = kill_when_held(cluster, worker, markers)
    first = run_suite(suite, results, data_dir=data, executor="ray", ray=RayOptions(max_retries=0))
    watcher.join(timeout=5)
    held = {run_id for run_id, nodes in attempts(markers).items() if worker.node_id in nodes}
    print(f"first grid: {first.ran} trained, {len(first.failed)} failed on the lost node")
    for job, outcome in first.failed:
        print(f"  {job.run_id} {outcome.status}: {outcome.error}")
    assert held and {job.run_id for job, _ in first.failed} == held
    assert all(not outcome.recorded for _, outcome in first.failed)
    assert first.ran == RUNS - len(held) and first.ran > 0
    stored = collect(results)
    assert set(stored["run_id"]) == set(attempts(markers)) - held
    stamps = {p: p.stat().st_mtime_ns for p in results.glob("tiny/*/result.json")}

    # The rerun trains exactly the runs that were lost, on the node that is left.
    again = run_suite(suite, results, data_dir=data, executor="ray", ray=RayOptions(max_retries=0))
    print(f"rerun: {again.ran} trained, {again.reused} already complete, {len(again.failed)} failed")
    assert again.failed == [] and again.ran == len(held) and again.reused == RUNS - len(held)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # completed runs untouched
    assert len(collect(results)) == RUNS
    started = attempts(markers)
    assert all(len(nodes) == (2 if run_id in held else 1) for run_id, nodes in started.items())

    # A third invocation trains nothing.
    last = run_suite(suite, results, data_dir=data, executor="ray")
    assert last.ran == 0 and last.reused == RUNS and attempts(markers) == started


@pytest.mark.slow  # a two-node cluster: ~30 s on 2 cores
def test_runs_on_a_node_lost_mid_grid_are_retried_on_the_node_left(
    two_nodes: tuple[Any, Any],
    tmp_path: Path,
    tiny_suite: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster, worker = two_nodes
    suite, results = load_suite(tiny_suite(2)), tmp_path / "runs"
    markers = tmp_path / "markers"
    markers.mkdir()
    use_ray_with(monkeypatch, marked_train(markers, worker.node_id))
    watcher = kill_when_held(cluster, worker, markers)
    summary = run_suite(suite, results, data_dir=tmp_path / "data", executor="ray", ray=RayOptions())
    watcher.join(timeout=5)
    started = attempts(markers)
    held = {run_id for run_id, nodes in started.items() if worker.node_id in nodes}
    print(f"grid: {summary.ran} trained, {len(summary.failed)} failed; {len(held)} retried after the loss")
    assert held and summary.failed == [] and summary.ran == RUNS
    assert len(collect(results)) == RUNS
    # Each held run started once on the lost node and once more on the head; no other run twice.
    assert all(
        nodes.count(worker.node_id) == 1 and len(nodes) == 2 for r, nodes in started.items() if r in held
    )
    assert all(len(nodes) == 1 for r, nodes in started.items() if r not in held)
