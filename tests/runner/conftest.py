"""Shared by the runner tests: a tiny suite that trains in seconds."""

from __future__ import annotations

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


@pytest.fixture
def kill_mid_grid_and_rerun(tmp_path: Path, tiny_suite: WriteSuite) -> Callable[..., None]:
    """Runs the tiny suite through the CLI, kills it once a run is stored, reruns it to the end.

    Asserts that the kill landed mid-grid, that the rerun redid no completed run (their
    ``result.json`` untouched) and that every run is complete afterwards.
    """

    def check(extra_args: Sequence[str] = (), wait_seconds: float = 60) -> None:
        results, data = tmp_path / "runs", tmp_path / "data"
        command = [sys.executable, "-m", "talosbench.cli", "run", str(tiny_suite(5)), "--quiet",
                   "--results-dir", str(results), "--data-dir", str(data), *extra_args]  # fmt: skip
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(command, stdout=quiet, stderr=quiet, start_new_session=True)
        deadline = time.monotonic() + wait_seconds
        while not list(results.glob("tiny/*/result.json")) and time.monotonic() < deadline:
            assert process.poll() is None, "the grid ended before a single run completed"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        stamps = {p: p.stat().st_mtime_ns for p in results.glob("tiny/*/result.json")}
        assert 1 <= len(stamps) < 6, "the kill should land mid-grid"
        rerun = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert f"6 runs planned, {len(stamps)} already complete" in rerun.stderr
        assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # no completed run was redone
        assert len(list(results.glob("tiny/*/result.json"))) == 6
        done = f"6 runs: {6 - len(stamps)} trained, {len(stamps)} already complete, 0 failed"
        assert done in rerun.stderr

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
        args = ["run", str(root / "tiny.toml"), "--quiet", "--results-dir", str(root / "runs"),
                "--data-dir", str(root / "data")]  # fmt: skip
        assert CliRunner().invoke(app, args).exit_code == 0
    return root
