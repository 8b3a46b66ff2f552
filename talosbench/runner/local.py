"""Local executors: runs in this process (``--jobs 1``) or in a pool of spawned worker processes."""

from __future__ import annotations

import os
import queue
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Protocol

from talosbench.runner.execute import Context, Outcome, execute
from talosbench.runner.plan import Job


class Listener(Protocol):
    """Where executors report progress (the CLI prints it; the library never does)."""

    def started(self, job: Job) -> None: ...
    def epoch(self, job: Job, info: dict[str, Any]) -> None: ...
    def message(self, text: str) -> None: ...


class SerialExecutor:
    """Runs each job in this process as it is submitted (no pickling; callbacks go straight through)."""

    def __init__(self, ctx: Context, listener: Listener) -> None:
        self.ctx, self.listener = ctx, listener
        self.slots = 1

    def submit(self, job: Job) -> Future[Outcome]:
        self.listener.started(job)
        future: Future[Outcome] = Future()
        on_epoch = lambda info: self.listener.epoch(job, info)  # noqa: E731
        future.set_result(execute(self.ctx, job, self.listener.message, on_epoch))
        return future

    def poll(self, jobs: dict[str, Job]) -> None:
        """Nothing to relay: callbacks already ran in this process."""

    def shutdown(self, cancel: bool = False) -> None:
        """Nothing to release."""


# Worker-process state, set once by ``_init_worker``.
_events: Any = None
_device: str | None = None


def _init_worker(devices: Any, events: Any, threads: int) -> None:
    """Pin this worker to its device, size its thread pool, and keep the event queue."""
    global _events, _device
    import torch

    torch.set_num_threads(threads)
    _events = events
    _device = devices.get_nowait() if devices is not None else None


def _work(ctx: Context, job: Job) -> Outcome:
    """Run one job in a worker and relay its progress to the parent through the event queue."""
    from dataclasses import replace

    if _device is not None:
        job = replace(job, config=replace(job.config, device=_device))  # the device is not in the run id
    _events.put(("started", job.run_id, None))
    return execute(
        ctx,
        job,
        on_event=lambda text: _events.put(("message", job.run_id, text)),
        on_epoch=lambda info: _events.put(("epoch", job.run_id, info)),
    )


class PoolExecutor:
    """``jobs`` spawned worker processes; with several GPUs each worker is pinned to one, round-robin."""

    def __init__(self, ctx: Context, listener: Listener, jobs: int, devices: list[str] | None) -> None:
        self.ctx, self.listener, self.slots = ctx, listener, jobs
        mp = get_context("spawn")  # fork is unsafe with torch threads (and CUDA) already started
        self.events = mp.Queue()
        pinned = None
        if devices:
            pinned = mp.Queue()
            for i in range(jobs):
                pinned.put(devices[i % len(devices)])
        threads = max(1, (os.cpu_count() or 1) // jobs)
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=mp, initializer=_init_worker, initargs=(pinned, self.events, threads)
        )

    def submit(self, job: Job) -> Future[Outcome]:
        return self.pool.submit(_work, self.ctx, job)

    def poll(self, jobs: dict[str, Job]) -> None:
        """Relay the workers' progress events to the listener."""
        while True:
            try:
                kind, run_id, payload = self.events.get_nowait()
            except queue.Empty:
                return
            job = jobs.get(run_id)
            if job is None:
                continue
            if kind == "started":
                self.listener.started(job)
            elif kind == "epoch":
                self.listener.epoch(job, payload)
            else:
                self.listener.message(payload)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


def worker_devices(device: str, jobs: int) -> list[str] | None:
    """Devices to pin workers to: every GPU for ``auto``/``cuda`` with several GPUs, else None."""
    if jobs < 2 or device not in ("auto", "cuda"):
        return None
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return [f"cuda:{i}" for i in range(count)] if count > 1 else None
