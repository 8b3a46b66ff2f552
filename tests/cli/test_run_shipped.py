"""``talosbench run NAME``: a shipped suite by name; a name that is neither a file nor shipped lists them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.suite import shipped_suites


def test_run_finds_a_shipped_suite_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no suites/ folder here: the name alone finds it
    args = ["--dry-run", "--results-dir", str(tmp_path / "runs"), "--data-dir", str(tmp_path / "home")]
    result = CliRunner().invoke(app, ["run", "quick", *args])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("suite quick: every loss on synthetic data")
    assert "14 cells, 28 runs (0 tuning trials with seed 0" in result.output


def test_run_of_an_unknown_name_lists_the_shipped_suites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "quik", "--dry-run"])
    assert result.exit_code == 2
    assert result.output.startswith("error: quik: no such suite file, nor a shipped suite of that name; ")
    assert f"shipped suites: {', '.join(shipped_suites())} (`talosbench suites`" in result.output
