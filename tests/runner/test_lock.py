"""One runner at a time writes a suite's results (``runner/lock.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from talosbench.runner import Context, RunnerError
from talosbench.runner.lock import LOCK_FILE, hold_results


def test_a_lock_file_left_by_a_killed_runner_does_not_hold_the_results(tmp_path: Path) -> None:
    ctx = Context(tmp_path, "tiny")
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / LOCK_FILE).write_text("999999999\n")  # written by a runner that died by SIGKILL
    with hold_results(ctx):
        assert (tmp_path / "tiny" / LOCK_FILE).read_text() == f"{os.getpid()}\n"
        held = rf"another talosbench run \(pid {os.getpid()}\)"
        with pytest.raises(RunnerError, match=held), hold_results(ctx):
            pass
    assert not (tmp_path / "tiny" / LOCK_FILE).exists()
