"""``talosbench init``: a commented suite that loads and plans as written, never over an existing file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.suite import load_suite


def test_init_writes_a_suite_that_a_dry_run_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "mine"])
    assert result.exit_code == 0, result.output
    assert result.output == "wrote mine.toml; see its plan with: talosbench run mine.toml --dry-run\n"
    assert load_suite("mine.toml").name == "mine"
    dry = CliRunner().invoke(app, ["run", "mine.toml", "--dry-run", "--data-dir", str(tmp_path / "home")])
    assert dry.exit_code == 0, dry.output
    assert "2 cells, 6 runs (2 tuning trials" in dry.output


def test_init_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "edited.toml"
    target.write_text("# my edits\n")
    result = CliRunner().invoke(app, ["init", "mine", "-o", str(target)])
    assert result.exit_code == 2 and "already exists" in result.output and "--force" in result.output
    assert target.read_text() == "# my edits\n"
    result = CliRunner().invoke(app, ["init", "mine", "--output", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert load_suite(target).name == "mine"


def test_init_refuses_a_name_that_cannot_name_a_results_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", "../up", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "error: suite name: must be a plain name" in result.output
    assert not list(tmp_path.iterdir())
