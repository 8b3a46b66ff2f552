"""How many torch CPU threads a training process gets: its share of the CPUs it may use.

The count can change at any time (``torch.set_num_threads``); ``thread_count`` decides it and
``device.torch_threads`` sets it around each training. How idle threads wait is ``waits``'s job:
the OpenMP policy is set on import of the package, before torch loads. Each process of a run (the
CLI, ``--jobs`` workers, Ray workers running a talosbench task) imports the package first; a library
user who imports torch before talosbench sets the policy themselves. This module imports no torch.
"""

from __future__ import annotations

import os
from pathlib import Path

from talosbench.errors import USAGE, TalosbenchError

NUM_THREADS = "OMP_NUM_THREADS"
"""The OpenMP variable a user sets to choose the threads of each process; it wins over our default."""
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
"""cgroup v2 CPU quota of this process's group (a container's ``--cpus``): ``<quota> <period>`` or ``max``."""


class ThreadsError(TalosbenchError, ValueError):
    """A thread count that is not a positive number."""

    exit_code = USAGE


def available_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 quota (a container's limit).

    ``os.cpu_count`` counts the machine's CPUs, which a container or ``taskset`` may not grant; torch's
    own default counts them too.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux: macOS, Windows
        cpus = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(quota) // int(period)))
    except (OSError, ValueError):  # no cgroup v2 here, or a line of another form: no quota known
        pass
    return max(1, cpus)


def user_threads() -> int | None:
    """The thread count of ``OMP_NUM_THREADS`` (its first entry), or None when it is unset or not a number."""
    first = os.environ.get(NUM_THREADS, "").split(",")[0].strip()
    return int(first) if first.isdigit() and int(first) > 0 else None


def thread_count(requested: int | None = None, workers: int = 1) -> int:
    """torch threads for each of ``workers`` training processes that share this machine's CPUs.

    ``requested`` (``--threads``) wins, then the user's ``OMP_NUM_THREADS``, else the available CPUs
    divided by the workers, at least 1: workers that together ask for more threads than there are
    CPUs take turns at every parallel operation, each waiting for the slowest.
    """
    if requested is not None:
        if requested < 1:
            raise ThreadsError(f"--threads must be 1 or more, got {requested}")
        return requested
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers}")
    return user_threads() or max(1, available_cpus() // workers)
