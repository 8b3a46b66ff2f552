"""The application: entry points, version, choices listed in --help, a cheap start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench import __version__
from talosbench.cli import COMMANDS, app
from talosbench.data.scenarios import SCENARIOS
from talosbench.report import FORMATS, TABLES
from talosbench.runner import EXECUTORS

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
HEAVY = ("numpy", "polars", "torch")
"""Libraries that take a tenth of a second to seconds to import: --help and completion must not pay them."""


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


def _imported(args: list[str]) -> set[str]:
    """The heavy libraries ``python -m talosbench ARGS`` imports, read from ``-X importtime``'s report."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "talosbench", *args],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "Usage:" in done.stdout, done.stdout + done.stderr[-2000:]
    loaded = {m.group(1) for m in re.finditer(r"^import time:.*\|\s*([\w.]+)$", done.stderr, re.M)}
    assert "talosbench.cli" in loaded  # the report is read as it should be
    return {name.split(".")[0] for name in loaded} & set(HEAVY)


@pytest.mark.parametrize("command", ["", *(c.__name__ for c in COMMANDS)])
def test_help_imports_neither_polars_nor_numpy_nor_torch(command: str) -> None:
    # Each command's choices (scenarios, executors, formats, ...) come from modules that load none of
    # them, and the packages holding them import their heavy modules on first use (talosbench.lazy).
    assert _imported([command, "-h"] if command else ["--help"]) == set()


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


def _complete(words: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """What bash completion asks the app for ``words`` (the last word being typed), in a fresh process
    that reports at exit which heavy libraries it imported (a list on stderr)."""
    probe = (
        f"import atexit, sys; atexit.register(lambda: print([m for m in {HEAVY} if m in sys.modules], "
        "file=sys.stderr)); from talosbench.cli import app; app(prog_name='talosbench')"
    )
    env = {
        **ENV,
        "_TALOSBENCH_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
        **environment,
    }
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("talosbench lo", ["losses"]),
        ("talosbench losses talos-no", ["talos-no-denominator", "talos-no-quantile"]),
        ("talosbench backbones light", ["lightgcn"]),
        ("talosbench train --scenario te", ["temporal"]),
        ("talosbench run --executor r", ["ray"]),
        ("talosbench report --format la", ["latex"]),
    ],
)
def test_shell_completion_offers_names_without_heavy_imports(words: str, offered: list[str]) -> None:
    # Loss and backbone names are read from their declarations, without torch.
    done = _complete(words)
    assert done.stdout.split() == offered and done.stderr.strip() == "[]", done.stderr


def test_dataset_completion_reads_the_data_home_without_torch(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "source.json").write_text("{}")  # what `download --file` leaves in the home
    done = _complete("talosbench datasets m", TALOSBENCH_HOME=str(tmp_path))
    assert done.stdout.split() == ["movielens-100k", "movielens-1m", "mine"], done.stderr
    assert "torch" not in done.stderr, done.stderr  # the data home is listed by data.datasets (polars)


def test_the_completion_script_names_the_app() -> None:
    shown = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert shown.exit_code == 0 and "_TALOSBENCH_COMPLETE" in shown.output
