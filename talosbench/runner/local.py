"""Local executors: runs in this process (``--jobs 1``) or in a pool of spawned worker processes."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from typing import Any

from talosbench.device_form import is_device
from talosbench.runner.execute import execute
from talosbench.runner.records import Context, Job, Listener, Outcome, RunnerUsageError
from talosbench.threads import thread_count


class SerialExecutor:
    """Runs each job in this process as it is submitted (no pickling; callbacks go straight through).

    Each run trains with ``threads`` torch threads (``threads.thread_count``: every available CPU
    unless the user chose); the caller's count comes back after it.
    """

    def __init__(
        self, ctx: Context, listener: Listener, device: str | None = None, threads: int | None = None
    ) -> None:
        self.ctx, self.listener, self.device = ctx, listener, device
        self.threads = thread_count(threads)
        self.slots = 1

    def submit(self, job: Job) -> Future[Outcome]:
        from talosbench.device import torch_threads

        if self.device is not None:
            job = replace(job, config=replace(job.config, device=self.device))  # not in the run id
        self.listener.started(job)
        future: Future[Outcome] = Future()
        on_epoch = lambda info: self.listener.epoch(job, info)  # noqa: E731
        with torch_threads(self.threads):
            future.set_result(execute(self.ctx, job, self.listener.message, on_epoch))
        return future

    def poll(self, jobs: dict[str, Job]) -> None:
        """Nothing to relay: callbacks already ran in this process."""

    def shutdown(self, cancel: bool = False) -> None:
        """Nothing to release."""


# Worker-process state, set once by ``_init_worker``.
_events: Any = None
_device: str | None = None
_shared = 1
_threads = 1


def _init_worker(devices: Any, events: Any, threads: int, runner: int, shared: int) -> None:
    """Pin this worker to its device, keep its thread count and the event queue, watch the runner.

    ``devices`` holds a (device, workers on it) pair per worker; without it every worker trains on
    the run's own device, which all ``shared`` of them share.
    """
    global _events, _device, _shared, _threads
    threading.Thread(target=_exit_with, args=(runner,), name="watch-runner", daemon=True).start()
    import torch  # noqa: F401  (loaded once, before the first job)

    _events, _threads = events, threads
    _device, _shared = devices.get_nowait() if devices is not None else (None, shared)


def _exit_with(runner: int, every: float = 0.5) -> None:
    """End this worker once the runner ``runner`` is gone (even by SIGKILL, which it cannot handle).

    Its runs would otherwise go on training and then wait forever for work, each holding a few
    hundred MB. A run cut short is not complete: its result.json is written last.
    """
    while os.getppid() == runner:  # a dead parent's children are adopted by another process
        time.sleep(every)
    os._exit(1)


def _work(ctx: Context, job: Job) -> Outcome:
    """Run one job in a worker and relay its progress to the parent through the event queue."""
    from talosbench.device import torch_threads

    if _device is not None:
        job = replace(job, config=replace(job.config, device=_device))  # the device is not in the run id
    ctx = replace(ctx, shared_device=_shared)
    _events.put(("started", job.run_id, None))
    with torch_threads(_threads):
        return execute(
            ctx,
            job,
            on_event=lambda text: _events.put(("message", job.run_id, text)),
            on_epoch=lambda info: _events.put(("epoch", job.run_id, info)),
        )


class PoolExecutor:
    """``jobs`` spawned worker processes; with several devices each worker is pinned to one, round-robin.

    Each worker trains with ``threads`` torch threads, by default the available CPUs divided by the
    workers (``threads.thread_count``): more would make them take turns at every parallel operation.
    Spawned workers inherit this process's environment, its OpenMP wait policy included (``waits``).
    """

    def __init__(
        self,
        ctx: Context,
        listener: Listener,
        jobs: int,
        devices: Sequence[str] | None,
        threads: int | None = None,
    ) -> None:
        self.ctx, self.listener, self.slots = ctx, listener, jobs
        mp = get_context("spawn")  # fork is unsafe with torch threads (and CUDA) already started
        self.events = mp.Queue()
        pinned = None
        if devices:
            pinned = mp.Queue()
            for placement in sharing(assign_devices(devices, jobs)):
                pinned.put(placement)
        self.threads = thread_count(threads, workers=jobs)
        self.pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=mp,
            initializer=_init_worker,
            initargs=(pinned, self.events, self.threads, os.getpid(), jobs),
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
        """Wait for the workers to end; on cancel, stop them mid-run (Ctrl-C, SIGTERM, a runner error).

        Cancelling futures alone leaves the runs in flight training on. ProcessPoolExecutor only
        gains a way to end its workers in Python 3.14 (``terminate_workers``), so this does what it does.
        """
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        workers = list((self.pool._processes or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=10)
            if worker.exitcode is None:
                worker.kill()
                worker.join()


def worker_devices(device: str, jobs: int) -> list[str] | None:
    """Devices to pin workers to by default: every visible GPU for ``auto``/``cuda``, else None."""
    if jobs < 2 or device not in ("auto", "cuda"):
        return None
    import torch

    return default_devices(device, torch.cuda.device_count() if torch.cuda.is_available() else 0)


def default_devices(device: str, gpus: int) -> list[str] | None:
    """``cuda:0..cuda:{gpus-1}`` when ``device`` lets the runner choose and there are several GPUs."""
    if device not in ("auto", "cuda") or gpus < 2:
        return None
    return [f"cuda:{i}" for i in range(gpus)]


def assign_devices(devices: Sequence[str], jobs: int) -> list[str]:
    """The device of each of ``jobs`` workers: round-robin, so a GPU may host several workers."""
    if not devices:
        raise ValueError("assign_devices needs at least one device")
    return [devices[i % len(devices)] for i in range(jobs)]


def sharing(assigned: Sequence[str]) -> list[tuple[str, int]]:
    """Each worker's device with the number of workers placed on it (runs that may train at once there)."""
    return [(device, assigned.count(device)) for device in assigned]


def parse_devices(text: str | Sequence[str]) -> list[str]:
    """``"cuda:0,cuda:1"`` (or a list of them) → checked device names; a bad entry is a RunnerUsageError."""
    items = text.split(",") if isinstance(text, str) else list(text)
    devices = [item.strip() for item in items if item.strip()]
    bad = [d for d in devices if not is_device(d, auto=False)]
    if bad or not devices:
        shown = ", ".join(repr(d) for d in bad) or "nothing"
        raise RunnerUsageError(
            f"--devices: got {shown}; expected a comma-separated list of cpu, cuda or cuda:N, "
            "e.g. --devices cuda:0,cuda:1"
        )
    return devices
