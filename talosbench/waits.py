"""OpenMP waits that adapt: idle threads spin while a run has its CPUs and sleep while others compete.

torch's CPU kernels run in OpenMP teams (GNU libgomp in the pip wheels). Between two parallel
operations a team's idle threads wait. Spinning starts the next operation at once; sleeping makes
the kernel wake them, which on a virtual machine costs tens of microseconds thousands of times an
epoch (a lone MF + Talos epoch at Beauty scale took about 10 % longer with passive waits). Beside
another busy process spinning is ruinous instead: a thread holds a core while the thread it waits
for is descheduled, and two trainings on a 2-core machine took five times as long as one.

libgomp reads its policy once, when torch loads it, but decides at every wait how long to spin:
``GOMP_SPINCOUNT`` turns while the process manages no more OpenMP threads than it has CPUs, and its
throttled count, zero under ``OMP_WAIT_POLICY=PASSIVE``, while it manages more. ``choose_waits``
sets both variables on import of the package, before torch loads. During training,
``adaptive_waits`` runs a ``WaitGovernor``: it reads what other processes took of this process's
CPUs every ``PERIOD_SECONDS`` and, while they compete, has a ``SpinThrottle`` park an idle OpenMP
team of its own, so that libgomp counts more threads than CPUs and its waits turn passive; spinning
comes back once the CPUs have been free for ``CALM_PERIODS`` periods. The thread count never
changes, so neither do a run's numbers. A policy the user set is kept, and with Intel or LLVM
OpenMP, or without ``/proc`` (macOS, Windows), waits stay passive throughout.

This module imports no torch.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WAIT_POLICY = "OMP_WAIT_POLICY"
"""The OpenMP variable choosing whether idle threads spin (ACTIVE) or sleep (PASSIVE)."""
SPIN_COUNT = "GOMP_SPINCOUNT"
"""libgomp's variable: how many turns an idle thread spins before it sleeps (over the policy's default)."""
SPIN_TURNS = 300_000
"""Turns spun while alone: libgomp's own default without a policy (a few milliseconds)."""
PERIOD_SECONDS = 0.5
"""How often the governor reads the CPUs: about the longest that spinning goes on beside a newcomer."""
CALM_PERIODS = 2
"""Periods in a row without competition before spinning comes back (one quiet reading is not enough)."""
REMEMBER_SECONDS = 10.0
"""A governor started this soon after the last one stopped throttled starts throttled too (runs of a grid)."""
MARGIN_CPUS = 0.25
"""CPUs' worth of other work tolerated beyond the CPUs this process leaves spare (daemons, a shell)."""
PROC_STAT = Path("/proc/stat")
"""The kernel's CPU time counters, one ``cpuN`` line per CPU, in clock ticks."""
SELF_STAT = Path("/proc/self/stat")
"""This process's counters: user and system time of all its threads, in clock ticks."""
SELF_MAPS = Path("/proc/self/maps")
"""The files this process has mapped: where torch's libgomp was loaded from."""


def choose_waits() -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` and ``GOMP_SPINCOUNT`` unless a policy is set; True when it set them.

    A policy the user gave (ACTIVE on a machine of their own, say) is left alone, and so is a spin
    count of theirs. Child processes inherit both, so workers started later wait the same way.
    """
    if os.environ.get(WAIT_POLICY, "").strip():
        return False
    os.environ[WAIT_POLICY] = "PASSIVE"
    if not os.environ.get(SPIN_COUNT, "").strip():
        os.environ[SPIN_COUNT] = str(SPIN_TURNS)
    return True


def spin_turns() -> int:
    """Turns an idle libgomp thread spins while not throttled, where the governor can take them away, else 0.

    Only ``OMP_WAIT_POLICY=PASSIVE`` with a positive ``GOMP_SPINCOUNT`` has a throttled count of zero;
    under ACTIVE or no policy libgomp keeps spinning even when throttled.
    """
    if os.environ.get(WAIT_POLICY, "").strip().upper() != "PASSIVE":
        return 0
    turns = os.environ.get(SPIN_COUNT, "").strip()
    return int(turns) if turns.isdigit() else 0


@dataclass(frozen=True)
class CpuSample:
    """CPU time counters at one instant."""

    seconds: float
    """``time.monotonic()`` when read."""
    busy: int
    """Ticks the watched CPUs spent on any process, the hypervisor's steal included."""
    own: int
    """Ticks this process's threads spent, wherever they ran."""


def sample_cpus(cpus: frozenset[int], stat: Path = PROC_STAT, own: Path = SELF_STAT) -> CpuSample:
    """Read the counters of ``cpus`` and of this process (OSError where ``/proc`` is missing)."""
    busy = 0
    for line in stat.read_text().splitlines():
        name, _, rest = line.partition(" ")
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            # user nice system idle iowait irq softirq steal (guest time is inside user): all but idle
            ticks = [int(value) for value in rest.split()[:8]]
            busy += sum(ticks) - ticks[3] - ticks[4]
    fields = own.read_text().rpartition(")")[2].split()  # the command name may hold spaces
    return CpuSample(time.monotonic(), busy, int(fields[11]) + int(fields[12]))  # utime, stime


def others_busy(before: CpuSample, after: CpuSample, ticks_per_second: float) -> float:
    """CPUs' worth of time other processes took of the watched CPUs between two samples."""
    seconds = after.seconds - before.seconds
    if seconds <= 0:
        return 0.0
    others = (after.busy - before.busy) - (after.own - before.own)
    return max(0.0, others / ticks_per_second / seconds)


def contended(others: float, cpus: int, threads: int) -> bool:
    """Whether other work needs more than the CPUs that this process's ``threads`` leave spare."""
    return others > max(0, cpus - threads) + MARGIN_CPUS


def loaded_libgomp(maps: Path = SELF_MAPS) -> Any | None:
    """This process's libgomp as a ``ctypes.CDLL`` (the copy torch loaded), or None without one."""
    import ctypes

    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and Path(fields[5]).name.startswith("libgomp"):
            return ctypes.CDLL(fields[5])  # the same handle: dlopen finds the loaded file
    return None


class SpinThrottle:
    """Parks an idle OpenMP team so that libgomp manages more threads than CPUs and stops spinning.

    A thread that starts a parallel region keeps its team's threads in a pool of its own, and
    libgomp counts them until that thread exits. ``GOMP_parallel`` is the entry point compilers emit
    for ``#pragma omp parallel``; each thread of the team runs ``sched_yield`` once.
    """

    def __init__(self, libgomp: Any, team: int) -> None:
        import ctypes

        self._parallel = libgomp.GOMP_parallel
        self._parallel.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
        self._parallel.restype = None
        self._task = ctypes.cast(ctypes.CDLL(None).sched_yield, ctypes.c_void_p)
        self.team = team
        self._release = threading.Event()
        self._holder: threading.Thread | None = None

    @property
    def engaged(self) -> bool:
        return self._holder is not None

    def engage(self) -> None:
        """Park the team (waits turn passive); nothing when parked already."""
        if self._holder is not None:
            return
        parked = threading.Event()
        self._release = threading.Event()

        def hold(release: threading.Event) -> None:
            self._parallel(self._task, None, self.team, 0)
            parked.set()
            release.wait()  # the thread's exit frees its pool, and libgomp's count drops back

        self._holder = threading.Thread(target=hold, args=(self._release,), name="spin-throttle", daemon=True)
        self._holder.start()
        parked.wait()

    def release(self) -> None:
        """Let the team go (spinning comes back); nothing when not parked."""
        if self._holder is None:
            return
        self._release.set()
        self._holder.join()
        self._holder = None


Sampler = Callable[[], CpuSample]


class WaitGovernor:
    """Engages a throttle while other processes compete for this process's CPUs, releases it when they stop.

    ``observe`` is the decision, one reading at a time; ``start`` runs it every ``period`` seconds on a
    daemon thread until ``stop``, which also releases the throttle.
    """

    def __init__(
        self, throttle: SpinThrottle, cpus: int, threads: int, sample: Sampler, period: float = PERIOD_SECONDS
    ) -> None:
        self.throttle, self.cpus, self.threads = throttle, cpus, threads
        self.sample, self.period = sample, period
        self.ticks_per_second = float(os.sysconf("SC_CLK_TCK"))
        self.calm = 0
        self.switches = 0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def observe(self, others: float) -> None:
        """Act on one reading of other processes' CPU use: throttle at once, spin again after calm periods."""
        if contended(others, self.cpus, self.threads):
            self.calm = 0
            if not self.throttle.engaged:
                self.throttle.engage()
                self.switches += 1
            return
        self.calm += 1
        if self.throttle.engaged and self.calm >= CALM_PERIODS:
            self.throttle.release()
            self.switches += 1

    def start(self) -> None:
        self._watcher = threading.Thread(target=self._watch, name="wait-governor", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        self.throttle.release()

    def _watch(self) -> None:
        try:
            before = self.sample()
            while not self._stop.wait(self.period):
                after = self.sample()
                self.observe(others_busy(before, after, self.ticks_per_second))
                before = after
        except (OSError, ValueError, IndexError):  # /proc gone or of another form: waits stay as they are
            return


_lock = threading.Lock()
_running: WaitGovernor | None = None
_last_throttled: float | None = None
"""``time.monotonic()`` when the last governor stopped throttled; None when it stopped spinning."""


@contextmanager
def adaptive_waits(threads: int) -> Iterator[WaitGovernor | None]:
    """Govern libgomp's spinning inside the block; yields the governor, or None where waits cannot adapt.

    They adapt with ``threads`` above 1, spinning allowed (``spin_turns``), libgomp loaded and
    ``/proc`` readable. Blocks may nest: the outermost one governs. A block that follows one which
    ended throttled starts throttled: the next run of a grid does not spin into a competitor first.
    """
    global _running, _last_throttled
    with _lock:
        governor = _governor(threads) if _running is None and spin_turns() > 0 and threads > 1 else None
        if governor is not None:
            _running = governor
            if _last_throttled is not None and time.monotonic() - _last_throttled < REMEMBER_SECONDS:
                governor.throttle.engage()
            governor.start()
    try:
        yield governor
    finally:
        if governor is not None:
            throttled = governor.throttle.engaged
            governor.stop()
            with _lock:
                _running = None
                _last_throttled = time.monotonic() if throttled else None


def _governor(threads: int) -> WaitGovernor | None:
    libgomp = loaded_libgomp()
    if libgomp is None:
        return None
    cpus = frozenset(os.sched_getaffinity(0))
    try:
        sample_cpus(cpus)
    except (OSError, ValueError, IndexError):  # no /proc (a sandbox), or one this parser does not read
        return None
    # libgomp counts one thread per thread of the training's team and team - 1 more for the parked
    # one, against the CPUs of the affinity mask it started with: the smallest team above them (each
    # thread libgomp fails to create ends the process, so no more are asked for than needed).
    throttle = SpinThrottle(libgomp, max(2, len(cpus) - threads + 2))
    return WaitGovernor(throttle, len(cpus), threads, lambda: sample_cpus(cpus))
