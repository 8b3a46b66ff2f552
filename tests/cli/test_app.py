"""The application: entry points, version, choices listed in --help, a cheap import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from talosbench import __version__
from talosbench.cli import app
from talosbench.data.scenarios import SCENARIOS
from talosbench.report import FORMATS, TABLES
from talosbench.runner import EXECUTORS

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _help(command: str) -> str:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def test_report_help_lists_the_formats_and_tables() -> None:
    text = _help("report")
    assert "|".join(FORMATS) in text and "|".join((*TABLES, "all")) in text


def test_train_and_run_help_list_the_scenarios_and_executors() -> None:
    assert "|".join(SCENARIOS.names()) in _help("train")
    assert "|".join(EXECUTORS) in _help("run")


def test_python_m_talosbench_cli_runs_the_app() -> None:
    done = subprocess.run([sys.executable, "-m", "talosbench.cli", "--version"], env=ENV, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout == f"talosbench {__version__}\n", done.stderr


def test_python_m_talosbench_runs_the_app() -> None:
    done = subprocess.run([sys.executable, "-m", "talosbench", "--version"], env=ENV, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout == f"talosbench {__version__}\n", done.stderr


def test_importing_the_cli_does_not_import_torch() -> None:
    # --help and shell completion load the CLI; torch takes seconds and only training needs it.
    probe = "import sys, talosbench.cli; print(sorted({'torch', 'scipy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "[]\n", done.stdout + done.stderr
