"""Where a grid's runs train: the options that choose it, checked before any work, and its executor."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

from talosbench.results import check_writable, suite_dir
from talosbench.runner.executors import EXECUTORS
from talosbench.runner.local import PoolExecutor, SerialExecutor, parse_devices, worker_devices
from talosbench.runner.records import Context, Job, Listener, Outcome, RunnerUsageError
from talosbench.threads import available_cpus, thread_count

if TYPE_CHECKING:
    from talosbench.runner.ray_executor import RayOptions

# The command-line option of each RayOptions field, to name the ones given without --executor ray.
_RAY_FLAGS = {
    "address": "--ray-address",
    "gpus_per_run": "--gpus-per-run",
    "cpus_per_run": "--cpus-per-run",
    "max_retries": "--max-retries",
}


class Executor(Protocol):
    """Trains the jobs it is given, ``slots`` at a time (``local.SerialExecutor``, ``local.PoolExecutor``,
    ``ray_executor.RayExecutor``); its futures hold each job's outcome once stored."""

    slots: int

    def submit(self, job: Job) -> Future[Outcome]: ...

    def poll(self, jobs: dict[str, Job]) -> None:
        """Relay the progress of runs in training to the listener (``jobs``: every job handed out, by id)."""

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the runs in training to end, or with ``cancel`` stop them."""


def check_options(
    executor: str,
    device: str | None,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None = None,
) -> None:
    """Refuse options that do not fit together, before anything is read or written (RunnerUsageError,
    DeviceError, ThreadsError): an unknown executor, Ray options without Ray, ``devices`` or ``threads``
    with Ray, a malformed device, a thread count below 1, the Ray executor where Ray is not installed."""
    from talosbench.device import check_device

    if executor not in EXECUTORS:
        raise RunnerUsageError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    if executor == "local" and ray is not None:
        from talosbench.runner.ray_executor import RayOptions

        default = RayOptions()
        given = [flag for name, flag in _RAY_FLAGS.items() if getattr(ray, name) != getattr(default, name)]
        raise RunnerUsageError(f"{', '.join(given or _RAY_FLAGS.values())} need --executor ray")
    if executor == "ray" and devices is not None:
        raise RunnerUsageError(
            "--devices pins local workers; with --executor ray, Ray places runs on GPUs: "
            "use --gpus-per-run instead"
        )
    if executor == "ray" and threads is not None:
        raise RunnerUsageError(
            "--threads sets the threads of local runs; with --executor ray a run's torch threads are "
            "its --cpus-per-run"
        )
    if devices is not None:
        parse_devices(devices)
    if device is not None:
        check_device(device)
    if executor == "ray":
        from talosbench.runner.ray_executor import INSTALL, ray_installed

        if not ray_installed():  # say so before the plan is printed, not when the first run starts
            raise RunnerUsageError(f"--executor ray needs Ray, which is not installed: {INSTALL}")
    thread_count(threads)  # a count below 1 is refused here, not in every worker


def preflight(
    ctx: Context,
    executor: str,
    device: str,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None,
) -> None:
    """Fail before any run trains on what would fail every run: options that do not fit together, an
    unwritable results folder, a device this machine lacks (Ray places runs on its own nodes, so only
    local runs are checked)."""
    check_options(executor, device, devices, ray, threads)
    if executor == "local":
        from talosbench.device import resolve_device

        for name in parse_devices(devices) if devices else [device]:
            resolve_device(name)  # raises DeviceError naming the device and what to use instead
    check_writable(suite_dir(ctx.results_dir, ctx.suite))


def open_executor(
    kind: str,
    ctx: Context,
    listener: Listener,
    jobs: int,
    device: str,
    devices: Sequence[str] | None,
    ray: RayOptions | None,
    threads: int | None,
) -> Executor:
    """The executor that trains the grid's runs: serial, a local worker pool, or Ray tasks."""
    if kind == "ray":  # check_options has refused what does not fit the executor
        from talosbench.runner.ray_executor import RayExecutor, RayOptions

        return RayExecutor(ctx, listener, ray or RayOptions(), device)
    pinned = parse_devices(devices) if devices else worker_devices(device, jobs)
    if pinned and len(pinned) > jobs:
        listener.message(
            f"{len(pinned)} devices but {jobs} job(s): {', '.join(pinned[jobs:])} stay idle "
            f"(pass --jobs {len(pinned)} or more to use them all)"
        )
    warn_oversubscribed(jobs, pinned, listener)
    if jobs > 1:
        return PoolExecutor(ctx, listener, jobs, pinned, threads)
    return SerialExecutor(ctx, listener, pinned[0] if pinned else None, threads)


def warn_oversubscribed(jobs: int, pinned: Sequence[str] | None, listener: Listener) -> None:
    """Say once when ``jobs`` local runs outnumber the CPUs this process may use, or the GPUs they are
    pinned to: they then share them, each slower, and each holds its own memory."""
    cpus = available_cpus()
    if jobs > cpus:
        listener.message(
            f"warning: --jobs {jobs} is more than the {cpus} CPU(s) available: the runs share them, each "
            f"slower and each holding its memory; --jobs {cpus} trains the grid as fast with less memory"
        )
    gpus = sorted({name for name in pinned or () if name.startswith("cuda")})
    if gpus and jobs > len(gpus):
        listener.message(
            f"note: --jobs {jobs} on {len(gpus)} GPU(s): up to {-(-jobs // len(gpus))} runs share "
            "each GPU and its memory"
        )
