"""CPU threads of a training process: a passive OpenMP wait policy, and how many threads torch gets.

torch trains on CPUs with OpenMP (GNU libgomp in the pip wheels, Intel or LLVM OpenMP in others),
whose idle threads spin for a while before they sleep. Alone on a machine that saves a few
microseconds per operation; beside another process it burns the cores that process needs, and two
trainings on a 2-core machine took 9x as long as one instead of about 2x. ``OMP_WAIT_POLICY=PASSIVE``
makes idle threads sleep at once (libgomp: no spinning; Intel/LLVM OpenMP: a block time of 0, so
``KMP_BLOCKTIME`` needs no setting of its own). The runtime reads it once, when torch loads it, so
``talosbench/__init__.py`` sets it on import, before any module of the package imports torch; every
talosbench process (the CLI, ``--jobs`` workers, Ray workers running a talosbench task) imports the
package first. A library user who imports torch before talosbench sets it themselves.

The thread count can change at any time (``torch.set_num_threads``); ``thread_count`` decides it and
the places that train set it. This module imports no torch.
"""

from __future__ import annotations

import os
from pathlib import Path

from talosbench.errors import USAGE, TalosbenchError

WAIT_POLICY = "OMP_WAIT_POLICY"
"""The OpenMP variable choosing whether idle threads spin (ACTIVE) or sleep (PASSIVE)."""
NUM_THREADS = "OMP_NUM_THREADS"
"""The OpenMP variable a user sets to choose the threads of each process; it wins over our default."""
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
"""cgroup v2 CPU quota of this process's group (a container's ``--cpus``): ``<quota> <period>`` or ``max``."""


class ThreadsError(TalosbenchError, ValueError):
    """A thread count that is not a positive number."""

    exit_code = USAGE


def wait_passively() -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` unless it is set already; True when this call set it.

    A value the user gave (ACTIVE, say, on a machine of their own) is left as it is. Child processes
    inherit it, so workers started later wait passively too.
    """
    if os.environ.get(WAIT_POLICY, "").strip():
        return False
    os.environ[WAIT_POLICY] = "PASSIVE"
    return True


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
