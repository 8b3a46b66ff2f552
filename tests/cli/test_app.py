"""The application: entry points, version, choices listed in --help, a cheap import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from talosbench import __version__
from talosbench.cli import COMMANDS, app
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
    done = subprocess.run(
        [sys.executable, "-m", "talosbench.cli", "--version"],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout == f"talosbench {__version__}\n", done.stderr


def test_python_m_talosbench_runs_the_app() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "talosbench", "--version"],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout == f"talosbench {__version__}\n", done.stderr


def test_importing_the_cli_does_not_import_torch() -> None:
    # --help and shell completion load the CLI; torch takes seconds and only training needs it.
    probe = "import sys, talosbench.cli; print(sorted({'torch', 'scipy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "[]\n", done.stdout + done.stderr


def test_dash_h_is_help_for_the_app_and_every_command() -> None:
    runner = CliRunner()
    top = runner.invoke(app, ["-h"])
    assert top.exit_code == 0 and "Usage:" in top.output and "--install-completion" in top.output
    for command in COMMANDS:
        result = runner.invoke(app, [command.__name__, "-h"])
        assert result.exit_code == 0 and "Usage:" in result.output, (command.__name__, result.output)


def test_every_data_dir_option_declares_talosbench_home() -> None:
    with_data_dir = [c.__name__ for c in COMMANDS if "--data-dir" in _help(c.__name__)]
    assert {"train", "run", "bench", "datasets", "download"} <= set(with_data_dir)
    for name in with_data_dir:
        assert "[env var: TALOSBENCH_HOME]" in _help(name), name


def test_results_dir_and_output_have_the_same_names_everywhere() -> None:
    for name in ("run", "report", "plot"):
        assert "--results-dir" in _help(name), name
    for name in ("report", "plot"):
        text = _help(name)
        assert "--output" in text and "-o" in text and "--format" in text, name


def _complete(words: str) -> subprocess.CompletedProcess[str]:
    """What bash completion asks the app for ``words`` (the last word being typed), in a fresh process
    that reports at exit whether torch was imported."""
    probe = (
        "import atexit, sys; atexit.register(lambda: print('torch' in sys.modules, file=sys.stderr)); "
        "from talosbench.cli import app; app(prog_name='talosbench')"
    )
    env = {
        **ENV,
        "_TALOSBENCH_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)


def test_shell_completion_offers_commands_and_names_without_importing_torch() -> None:
    commands = _complete("talosbench lo")
    assert commands.stdout.split() == ["losses"] and commands.stderr.strip() == "False", commands.stderr
    names = _complete("talosbench losses talos-no")
    assert names.stdout.split() == ["talos-no-denominator", "talos-no-quantile"], names.stderr
    assert names.stderr.strip() == "False"  # loss names are read without torch (declarations)
    shown = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert shown.exit_code == 0 and "_TALOSBENCH_COMPLETE" in shown.output
