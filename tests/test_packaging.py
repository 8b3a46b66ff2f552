"""The wheel ships the suites: built from a copy of the sources, installed apart, run by name elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("talosbench", "suites", "setup.py", "pyproject.toml", "README.md")
"""What a build reads (a copy, so that the checkout gets no build/ or egg-info folder)."""


@pytest.mark.slow
def test_the_wheel_ships_the_suites_and_runs_one_by_name(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="70.1", reason="builds offline with setuptools' bdist_wheel")
    source = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # The installed setuptools builds it: no download, so the test runs offline.
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("talosbench-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"talosbench/suites/{path.name}" for path in (ROOT / "suites").glob("*.toml")}
    assert shipped and shipped <= names
    assert not any(name.startswith("suites/") for name in names)  # inside the package, not beside it
    assert {"talosbench/paper/published.csv", "talosbench/paper/tables.toml"} <= names  # the paper's tables

    site = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # the installed copy, not the checkout
    command = [
        sys.executable,
        "-m",
        "talosbench",
        "run",
        "quick",
        "--dry-run",
        "--results-dir",
        str(elsewhere / "runs"),
        "--data-dir",
        str(elsewhere / "home"),
    ]
    done = subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("suite quick: ") and "14 cells, 28 runs" in done.stdout
    probe = "import talosbench.suite as s; print(s.shipped_suites()['quick'])"
    where = subprocess.run(
        [sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
    ).stdout.strip()
    assert Path(where) == site / "talosbench" / "suites" / "quick.toml"
    listed = subprocess.run(
        [sys.executable, "-m", "talosbench", "paper"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert listed.returncode == 0 and "3.1" in listed.stdout, listed.stderr
