"""The Ray executor: each run is a Ray task on any node of a cluster; the driver keeps the plan.

Tasks train and return their result; only the driver writes the results store, so it stays the one
source of truth and a rerun resumes exactly as with the local executor. Ray is an optional extra,
imported only here and only when this executor is built.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from talosbench.runner.execute import record, train
from talosbench.runner.records import Context, Job, Listener, Outcome, RunnerError, Trained

INSTALL = "pip install 'talosbench[ray]'"


@dataclass(frozen=True)
class RayOptions:
    """Where the Ray executor connects and what each run asks of the cluster."""

    address: str | None = None
    """``auto``, ``ray://host:port`` or a GCS address; None starts a local Ray instance."""
    gpus_per_run: float | None = None
    """GPUs a run reserves (0.25: four runs share one GPU); None: 1 on a cluster with GPUs, else 0."""
    cpus_per_run: float = 1.0
    """CPUs a run reserves; also its torch thread count."""
    max_retries: int = 2
    """Retries of a run whose worker process or node dies, before it is reported as failed."""


def ray_installed() -> bool:
    """Whether ``import ray`` would find Ray, asked without importing it (that takes seconds)."""
    try:
        return importlib.util.find_spec("ray") is not None  # None also when sys.modules["ray"] is None
    except ValueError:  # a "ray" module already imported without a spec: it is there
        return True


def import_ray() -> Any:
    """The ``ray`` module, or a RunnerError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RunnerError(f"--executor ray needs Ray, which is not installed: {INSTALL}") from None
    return ray


def _task(
    work: Callable[..., Trained], ctx: Context, job: Job, events: Any, threads: int
) -> tuple[Trained, str]:
    """The body of a Ray task: train ``job`` on this node, relaying progress; return it and the node."""
    import ray

    from talosbench.device import torch_threads

    node = ray.util.get_node_ip_address()
    # Fire-and-forget puts: progress must never slow training down or fail it.
    events.actor.put_nowait.remote(("started", job.run_id, node))
    with torch_threads(threads):
        trained = work(
            ctx,
            job,
            lambda text: events.actor.put_nowait.remote(("message", job.run_id, text)),
            lambda info: events.actor.put_nowait.remote(("epoch", job.run_id, info)),
        )
    return trained, node


def runs_per_device(gpus: float, cpus: float, nodes: list[dict[str, Any]]) -> int:
    """How many runs may train at once on one device: 1/``gpus`` per GPU, or those fitting one node's CPUs.

    ``gpus`` below 1 packs runs onto a GPU (0.25: four); runs on CPUs share the node's processor,
    counted on the node with the most CPUs (``nodes`` as ``ray.nodes()`` lists them).
    """
    if gpus > 0:
        return max(1, math.floor(1 / gpus + 1e-9))  # 1/0.1 is 9.999...
    node_cpus = [n.get("Resources", {}).get("CPU", 0.0) for n in nodes if n.get("Alive", True)]
    return max(1, math.floor(max(node_cpus, default=cpus) / cpus))


class RayExecutor:
    """Submits runs as Ray tasks and stores each result in this process as it arrives."""

    def __init__(
        self,
        ctx: Context,
        listener: Listener,
        options: RayOptions,
        device: str,
        work: Callable[..., Trained] = train,
    ) -> None:
        """``work`` trains one job in a task (``execute.train``; tests swap in one that crashes)."""
        ray = import_ray()
        from ray.util.queue import Queue

        self.ray, self.listener, self.options = ray, listener, options
        # Workers may run elsewhere: give them absolute paths (results are written here, not there).
        data_dir = ctx.data_dir.expanduser().resolve() if ctx.data_dir is not None else None
        self.ctx = replace(ctx, data_dir=data_dir)
        self.owned = not ray.is_initialized()  # a Ray we start we also stop; a caller's we leave running
        if self.owned:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            # ray.init makes SIGTERM exit the driver at once; the grid's handler (stop the runs, keep
            # what completed, say so) must stay in place.
            sigterm = signal.getsignal(signal.SIGTERM)
            try:
                ray.init(
                    address=options.address,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"at {options.address!r}" if options.address else "locally"
                raise RunnerError(
                    f"cannot start or reach Ray {where}: {exc}. Start a cluster with `ray start --head` "
                    "and pass --ray-address auto, or omit --ray-address for a local instance"
                ) from None
            finally:
                if sigterm is not None and threading.current_thread() is threading.main_thread():
                    signal.signal(signal.SIGTERM, sigterm)
        try:
            gpus, slots = self._resources(device)
        except RunnerError:
            self._stop()
            raise
        self.device = "cpu" if gpus == 0 and device == "auto" else device  # no GPU reserved: use none
        self.ctx = replace(self.ctx, shared_device=runs_per_device(gpus, options.cpus_per_run, ray.nodes()))
        self.slots = slots
        self.threads = max(1, math.floor(options.cpus_per_run))
        self.events = Queue(actor_options={"num_cpus": 0, "scheduling_strategy": self._on_this_node()})
        self.remote = ray.remote(_task).options(
            num_cpus=options.cpus_per_run,
            num_gpus=gpus,
            max_retries=options.max_retries,
            retry_exceptions=False,  # a run's own errors are results; only dead workers/nodes retry
        )
        self.work = work
        self.tasks: dict[Any, tuple[Job, Future[Outcome]]] = {}
        self.where: dict[str, str] = {}
        """Node of each running task, by run id."""
        self.gpus = gpus

    def _on_this_node(self) -> Any:
        """Place an actor on the driver's node: one elsewhere dies with its node, and the grid with it.

        The progress queue is read by the driver at every poll; on a node lost mid-grid it would take
        the driver down with an ActorDiedError, while the driver's own node going ends the grid anyway.
        """
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        return NodeAffinitySchedulingStrategy(self.ray.get_runtime_context().get_node_id(), soft=False)

    def _resources(self, device: str) -> tuple[float, int]:
        """GPUs per run, and how many runs to keep submitted (about twice what fits at once)."""
        options, total = self.options, self.ray.cluster_resources()
        cpus, gpus_total = total.get("CPU", 0.0), total.get("GPU", 0.0)
        gpus = options.gpus_per_run
        if gpus is None:
            gpus = 1.0 if gpus_total >= 1 and device != "cpu" else 0.0
        if options.cpus_per_run <= 0 or gpus < 0 or options.max_retries < 0:
            raise RunnerError("--cpus-per-run must be > 0, --gpus-per-run and --max-retries >= 0")
        if gpus > gpus_total:
            raise RunnerError(
                f"--gpus-per-run {gpus:g}, but the Ray cluster has {gpus_total:g} GPU(s): "
                "add GPU nodes or pass --gpus-per-run 0 to train on CPUs"
            )
        if gpus == 0 and device.startswith("cuda"):
            raise RunnerError(f"--device {device} needs GPUs: pass --gpus-per-run (e.g. 1 or 0.25)")
        if options.cpus_per_run > cpus:
            raise RunnerError(
                f"--cpus-per-run {options.cpus_per_run:g}, but the Ray cluster has {cpus:g} CPU(s)"
            )
        fits = cpus / options.cpus_per_run
        if gpus > 0:
            fits = min(fits, gpus_total / gpus)
        return gpus, max(1, 2 * math.floor(fits))

    def submit(self, job: Job) -> Future[Outcome]:
        if job.config.device != self.device:
            job = replace(job, config=replace(job.config, device=self.device))  # not in the run id
        future: Future[Outcome] = Future()
        ref = self.remote.remote(self.work, self.ctx, job, self.events, self.threads)
        self.tasks[ref] = (job, future)
        return future

    def poll(self, jobs: dict[str, Job]) -> None:
        """Relay progress, then store every result that has arrived and resolve its future."""
        self._relay(jobs)
        if not self.tasks:
            return
        done, _ = self.ray.wait(list(self.tasks), num_returns=len(self.tasks), timeout=0)
        for ref in done:
            self._finish(ref)

    def _relay(self, jobs: dict[str, Job]) -> None:
        """Pass the tasks' queued events to the listener; report where tasks run when that changes."""
        before = dict(self.where)
        pending = self.events.qsize()
        events = self.events.get_nowait_batch(pending) if pending else []
        running = {job.run_id for job, _ in self.tasks.values()}
        for kind, run_id, payload in events:
            job = jobs.get(run_id)
            if job is None or run_id not in running:  # late events of a finished run
                continue
            if kind == "started":
                self.where[run_id] = payload
                self.listener.started(job)
            elif kind == "epoch":
                self.listener.epoch(job, payload)
            else:
                self.listener.message(payload)
        if self.where != before:
            self._report_running()

    def _report_running(self) -> None:
        counts: dict[str, int] = {}
        for node in self.where.values():
            counts[node] = counts.get(node, 0) + 1
        self.listener.running(counts)

    def _finish(self, ref: Any) -> None:
        """Store the task's result here; a task whose retries ran out is reported failed, not stored."""
        job, future = self.tasks.pop(ref)
        if self.where.pop(job.run_id, None) is not None:
            self._report_running()
        try:
            trained, _ = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            # Not recorded, so a rerun retries it: a dead worker or node says nothing about the run.
            lines = str(exc).strip().splitlines()
            detail = f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
            retries = self.options.max_retries
            error = f"{detail} (after {retries} retr{'y' if retries == 1 else 'ies'})"
            future.set_result(Outcome(job.run_id, "failed", error, recorded=False))
            return
        future.set_result(record(self.ctx, job, trained))

    def shutdown(self, cancel: bool = False) -> None:
        """Stop: on cancel, store what already finished and cancel the rest; stop a Ray we started."""
        if cancel and self.tasks:
            done, rest = self.ray.wait(list(self.tasks), num_returns=len(self.tasks), timeout=0)
            for ref in done:
                self._finish(ref)
            for ref in rest:
                self.ray.cancel(ref, force=True)
                self.tasks.pop(ref)[1].cancel()
        self._stop()

    def _stop(self) -> None:
        events = getattr(self, "events", None)
        if events is not None:
            events.shutdown(force=True)
        if self.owned:
            self.ray.shutdown()
