"""Idle OpenMP threads spin while a run has its CPUs and sleep while others compete (talosbench/waits.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from talosbench import waits
from talosbench.device import torch_threads
from talosbench.waits import (
    CALM_PERIODS,
    CpuSample,
    SpinThrottle,
    WaitGovernor,
    adaptive_waits,
    choose_waits,
    contended,
    loaded_libgomp,
    others_busy,
    sample_cpus,
    spin_turns,
)

ROOT = Path(__file__).resolve().parents[1]

# A CLI process up to its first torch operation; libgomp (torch's OpenMP in the pip wheels) prints the
# settings it started with (OMP_DISPLAY_ENV=VERBOSE), its spin count among them.
CLI_THEN_TORCH = """
import os
import talosbench.cli
import torch
torch.ones(64).sum()
print("policy", os.environ.get("OMP_WAIT_POLICY"), os.environ.get("GOMP_SPINCOUNT"))
"""


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env = {**base, "PYTHONPATH": str(ROOT), "OMP_DISPLAY_ENV": "VERBOSE", **env}
    done = subprocess.run([sys.executable, "-c", CLI_THEN_TORCH], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def test_the_cli_sets_passive_waits_with_a_spin_count_before_torch_starts_openmp() -> None:
    done = _start({})
    assert "policy PASSIVE 300000" in done.stdout
    if "GOMP_SPINCOUNT" in done.stderr:  # libgomp read them: spins while alone, throttled count zero
        assert "OMP_WAIT_POLICY = 'PASSIVE'" in done.stderr and "GOMP_SPINCOUNT = '300000'" in done.stderr


def test_a_wait_policy_the_user_set_is_left_alone() -> None:
    done = _start({"OMP_WAIT_POLICY": "ACTIVE"})
    assert "policy ACTIVE None" in done.stdout
    if "GOMP_SPINCOUNT" in done.stderr:
        assert "OMP_WAIT_POLICY = 'ACTIVE'" in done.stderr and "GOMP_SPINCOUNT = '300000'" not in done.stderr


def test_choose_waits_sets_only_an_unset_policy_and_keeps_a_users_spin_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    assert choose_waits() and os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert os.environ["GOMP_SPINCOUNT"] == "300000" and spin_turns() == 300_000
    assert not choose_waits()  # already set (by the first call): nothing to do
    monkeypatch.setenv("OMP_WAIT_POLICY", " ")
    monkeypatch.setenv("GOMP_SPINCOUNT", "5000")
    assert choose_waits() and spin_turns() == 5000
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    assert not choose_waits() and os.environ["OMP_WAIT_POLICY"] == "active"


@pytest.mark.parametrize(
    ("policy", "count", "turns"),
    [
        ("PASSIVE", "300000", 300_000),
        ("passive", "10", 10),
        ("PASSIVE", None, 0),
        ("PASSIVE", "lots", 0),
        ("ACTIVE", "300000", 0),
        (None, "300000", 0),
    ],
)
def test_spin_turns_are_only_governed_under_passive_with_a_count(
    monkeypatch: pytest.MonkeyPatch, policy: str | None, count: str | None, turns: int
) -> None:
    for name, value in (("OMP_WAIT_POLICY", policy), ("GOMP_SPINCOUNT", count)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert spin_turns() == turns


def test_sample_cpus_adds_the_busy_ticks_of_the_watched_cpus_and_reads_this_process(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  100 0 100 900 10 0 0 0 0 0\n"
        "cpu0 10 1 20 400 5 2 3 4 0 0\n"  # busy: 10+1+20+2+3+4 = 40 (idle and iowait left out)
        "cpu1 50 0 30 500 5 0 0 0 0 0\n"
        "cpu12 7 0 0 0 0 0 0 0 0 0\n"
        "intr 1 2 3\nctxt 99\n"
    )
    own = tmp_path / "self"
    own.write_text("4242 (python3 -c x) R 1 2 3 4 5 6 7 8 9 10 77 33 0 0 20 0 3 0\n")
    sample = sample_cpus(frozenset({0, 12}), stat, own)
    assert (sample.busy, sample.own) == (47, 110)
    assert sample_cpus(frozenset({1}), stat, own).busy == 80
    with pytest.raises(OSError):
        sample_cpus(frozenset({0}), tmp_path / "missing", own)


def test_others_busy_is_the_watched_cpus_time_less_this_process_per_second() -> None:
    before = CpuSample(10.0, 1000, 300)
    assert others_busy(before, CpuSample(10.5, 1100, 325), 100.0) == pytest.approx(1.5)
    assert others_busy(before, CpuSample(10.5, 1050, 350), 100.0) == 0.0  # own ticks ran elsewhere
    assert others_busy(before, CpuSample(10.0, 1100, 300), 100.0) == 0.0  # no time passed


def test_contention_means_more_than_the_spare_cpus_plus_a_margin() -> None:
    assert not contended(0.2, cpus=2, threads=2) and contended(0.3, cpus=2, threads=2)
    assert not contended(2.0, cpus=4, threads=2) and contended(2.5, cpus=4, threads=2)
    assert contended(0.5, cpus=2, threads=4)  # more threads than CPUs leave none spare


class FakeThrottle:
    def __init__(self) -> None:
        self.engaged = False

    def engage(self) -> None:
        self.engaged = True

    def release(self) -> None:
        self.engaged = False


def _governor(throttle: FakeThrottle, sample: waits.Sampler = lambda: CpuSample(0, 0, 0)) -> WaitGovernor:
    return WaitGovernor(throttle, cpus=2, threads=2, sample=sample, period=0.01)  # type: ignore[arg-type]


def test_the_governor_throttles_at_once_and_spins_again_after_calm_periods() -> None:
    throttle = FakeThrottle()
    governor = _governor(throttle)
    states = []
    for others in [0.0, 1.0, 0.1, 0.9, *[0.0] * CALM_PERIODS, 0.0]:
        governor.observe(others)
        states.append(throttle.engaged)
    assert states == [False, True, True, True, *[True] * (CALM_PERIODS - 1), False, False]
    assert governor.switches == 2


def test_the_governor_thread_reads_the_cpus_each_period_and_releases_on_stop() -> None:
    ticks = float(os.sysconf("SC_CLK_TCK"))
    clock = {"t": 0.0, "busy": 0.0}

    def sample() -> CpuSample:  # another process takes a whole CPU, one reading every 0.1 s of its own
        clock["t"] += 0.1
        clock["busy"] += 0.1 * ticks
        return CpuSample(clock["t"], int(clock["busy"]), 0)

    throttle = FakeThrottle()
    governor = _governor(throttle, sample)
    governor.start()
    deadline = time.monotonic() + 10
    while not throttle.engaged and time.monotonic() < deadline:
        time.sleep(0.01)
    assert throttle.engaged
    governor.stop()
    assert not throttle.engaged


def _tasks() -> int:
    return len(os.listdir("/proc/self/task"))


libgomp = loaded_libgomp() if Path("/proc/self/maps").exists() else None


@pytest.mark.skipif(libgomp is None, reason="torch here does not use GNU libgomp")
def test_the_throttle_parks_a_team_larger_than_the_cpus_and_lets_it_go() -> None:
    torch.ones(1 << 18).mul_(2.0)  # torch's own team exists before the count
    before = _tasks()
    throttle = SpinThrottle(libgomp, team=3)
    throttle.engage()
    throttle.engage()  # parked already: nothing more
    assert throttle.engaged and _tasks() == before + 3  # its holder and two workers
    throttle.release()
    deadline = time.monotonic() + 10  # the pool's threads exit after their holder
    while _tasks() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not throttle.engaged and _tasks() == before


@pytest.mark.skipif(libgomp is None, reason="torch here does not use GNU libgomp")
def test_torch_threads_governs_the_waits_of_a_training_block_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    monkeypatch.setenv("GOMP_SPINCOUNT", "300000")
    with torch_threads(2), adaptive_waits(2) as inner:
        outer = waits._running
        assert isinstance(outer, WaitGovernor) and inner is None  # the outermost block governs
        assert threading.active_count() >= 2
    assert waits._running is None
    with torch_threads(2):  # a block that ends throttled (another process competed) ...
        assert waits._running is not None and not waits._running.throttle.engaged
        waits._running.throttle.engage()
    with torch_threads(2):  # ... is followed by one that starts so: no spinning into that process
        assert waits._running is not None and waits._running.throttle.engaged
        waits._running.throttle.release()
    with torch_threads(2):
        assert waits._running is not None and not waits._running.throttle.engaged
    with torch_threads(1):  # one thread never waits for another
        assert waits._running is None
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # the user's own policy: left alone
    with torch_threads(2):
        assert waits._running is None
