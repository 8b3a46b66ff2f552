"""Several processes preparing the same dataset at once (Ray or pool workers) take turns."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from talosbench.data import store

SMALL = {"n_users": 120, "n_items": 80, "n_interactions": 3000}
# Prepares the small synthetic dataset and its iid split; prints whether this process generated it.
SCRIPT = f"""
import sys
from talosbench.data import prepare_split
events = []
split = prepare_split("synthetic", "iid", 7, data_dir=sys.argv[1], preprocess={SMALL!r},
                      on_event=events.append)
print(any(e.startswith("generating") for e in events), split.train.height, split.test.height)
"""


def spawn(home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_preparation_waits_for_the_lock_holder(tmp_path: Path) -> None:
    lock = store.lock_path(tmp_path, "synthetic")
    with store.file_lock(lock):
        process = spawn(tmp_path)
        time.sleep(2.0)  # ample time to import and prepare a 3,000-row dataset were it not blocked
        assert process.poll() is None, process.communicate()
        assert not list(tmp_path.glob("synthetic/**/meta.json"))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.split()[0] == "True"
    assert not lock.exists()  # the lock file does not outlive the lock


def test_concurrent_preparations_generate_once_and_agree(tmp_path: Path) -> None:
    processes = [spawn(tmp_path) for _ in range(3)]
    results = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in results]
    lines = [out.split() for out, _ in results]
    assert sorted(line[0] for line in lines) == ["False", "False", "True"]  # one generated, two waited
    assert len({tuple(line[1:]) for line in lines}) == 1
    assert len(list(tmp_path.glob("synthetic/**/meta.json"))) == 1
    assert not store.lock_path(tmp_path, "synthetic").exists()


def test_a_lock_taken_without_waiting_names_its_holder(tmp_path: Path) -> None:
    lock = tmp_path / "results.lock"
    with store.file_lock(lock, wait=False):
        assert lock.read_text() == f"{os.getpid()}\n"
        with pytest.raises(store.LockHeld) as held, store.file_lock(lock, wait=False):
            pass
        assert held.value.pid == os.getpid() and held.value.path == lock
    assert not lock.exists()
    with store.file_lock(lock, wait=False):  # free again once released
        pass


def test_is_locked_sees_a_live_holder_only(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    assert not store.is_locked(lock)
    with store.file_lock(lock, wait=False):
        assert store.is_locked(lock)
    lock.write_text("12345\n")  # what a killed holder leaves: a file nobody holds
    assert not store.is_locked(lock)
