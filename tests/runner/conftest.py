"""Shared by the runner tests: a tiny suite that trains in seconds."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

TINY = """
[suite]
name = "tiny"
seeds = [1, 2]

[train]
epochs = {epochs}
eval_every = 1
patience = 3
negatives = 16
device = "cpu"
lr = 0.01

[grid]
datasets = ["synthetic"]
losses = ["bpr", "sl", "talos"]

[datasets.synthetic]
n_users = 150
n_items = 90
n_interactions = 4000

[losses.bpr]
negatives = 1
"""

WriteSuite = Callable[..., Path]


@pytest.fixture
def tiny_suite(tmp_path: Path) -> WriteSuite:
    """Writes the tiny suite (bpr, sl, talos on small synthetic data, 2 seeds) with ``epochs`` epochs.

    ``edit`` rewrites the text first; the path of the written file is returned.
    """

    def write(epochs: int, edit: Callable[[str], str] = lambda text: text) -> Path:
        path = tmp_path / "tiny.toml"
        path.write_text(edit(TINY.format(epochs=epochs)), encoding="utf-8")
        return path

    return write


def running_in_session(session: int) -> list[str]:
    """Processes of the session ``session`` still running (zombies are dead, only not yet reaped)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        state, session_id = rest[0], int(rest[3])
        if state != "Z" and session_id == session:
            found.append(f"{stat.parent.name} ({name})")
    return found


def wait_until_none_run(session: int, seconds: float) -> list[str]:
    """Processes of ``session`` still running after up to ``seconds`` (an empty list once all ended)."""
    deadline = time.monotonic() + seconds
    while (left := running_in_session(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def kill_mid_grid_and_rerun(tmp_path: Path, tiny_suite: WriteSuite) -> Callable[..., tuple[int, str]]:
    """Runs the tiny suite through the CLI, stops it with a signal once a run is stored, reruns it to the end.

    SIGKILL to the whole process group (the default) is a crash of everything; ``group=False``
    signals the runner alone, as ``kill PID`` does, and its workers must then end by themselves.
    Asserts that no process of the runner is left, that the stop landed mid-grid, that the rerun
    redid no completed run (their ``result.json`` untouched) and that every run is complete
    afterwards. Returns the stopped runner's exit status and stderr.
    """

    def check(
        extra_args: Sequence[str] = (),
        wait_seconds: float = 60,
        signum: int = signal.SIGKILL,
        group: bool = True,
    ) -> tuple[int, str]:
        results, data = tmp_path / "runs", tmp_path / "data"
        command = [
            sys.executable,
            "-m",
            "talosbench.cli",
            "run",
            str(tiny_suite(5)),
            "--quiet",
            "--results-dir",
            str(results),
            "--data-dir",
            str(data),
            *extra_args,
        ]
        log = tmp_path / "stopped.log"
        with log.open("w") as err:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            deadline = time.monotonic() + wait_seconds
            while not list(results.glob("tiny/*/result.json")) and time.monotonic() < deadline:
                assert process.poll() is None, "the grid ended before a single run completed"
                time.sleep(0.02)
            if group:
                os.killpg(process.pid, signum)
            else:
                os.kill(process.pid, signum)
            process.wait(timeout=60)
        if Path("/proc/self/stat").exists():  # the session holds the runner, its workers and helpers
            left = wait_until_none_run(process.pid, 15)
            if left:  # end them before failing, not to leave them training on
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            assert left == [], "processes outlived the stopped runner"
        stamps = {p: p.stat().st_mtime_ns for p in results.glob("tiny/*/result.json")}
        assert 1 <= len(stamps) < 6, "the kill should land mid-grid"
        rerun = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert f"6 runs planned, {len(stamps)} already complete" in rerun.stderr
        assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # no completed run was redone
        assert len(list(results.glob("tiny/*/result.json"))) == 6
        done = f"6 runs: {6 - len(stamps)} trained, {len(stamps)} already complete, 0 failed"
        assert done in rerun.stderr
        return process.returncode, log.read_text()

    return check


@pytest.fixture(scope="module")
def edited_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny suite run with 2 epochs, edited to 3 epochs and run again into the same results.

    Returns the folder holding ``tiny.toml`` (as edited) and ``runs/tiny/``: a report run there
    finds the suite's results by its file or its name.
    """
    from typer.testing import CliRunner

    from talosbench.cli import app

    root = tmp_path_factory.mktemp("edited")
    for epochs in (2, 3):
        (root / "tiny.toml").write_text(TINY.format(epochs=epochs), encoding="utf-8")
        args = [
            "run",
            str(root / "tiny.toml"),
            "--quiet",
            "--results-dir",
            str(root / "runs"),
            "--data-dir",
            str(root / "data"),
        ]
        assert CliRunner().invoke(app, args).exit_code == 0
    return root
