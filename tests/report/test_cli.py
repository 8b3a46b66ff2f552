"""The ``report`` and ``plot`` commands: output, file writing, source resolution, errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.report import ReportError, resolve_source

runner = CliRunner()


def test_report_prints_markdown(golden: Path) -> None:
    result = runner.invoke(app, ["report", str(golden), "--table", "accuracy", "--metric", "precision@20"])
    assert result.exit_code == 0, result.output
    assert "### Accuracy" in result.stdout and "+47.62%↑*† vs sl" in result.stdout
    assert "### Efficiency" not in result.stdout


def test_report_writes_output(golden: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.tex"
    result = runner.invoke(app, ["report", str(golden), "--format", "latex", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().count(r"\begin{table}") == 6


def test_report_errors_exit_2(golden: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(golden), "--format", "docx"])
    message = " ".join(result.output.replace("│", " ").split())  # typer's framed message, unwrapped
    assert result.exit_code == 2
    assert "'docx' is not one of 'markdown', 'latex', 'csv', 'json', 'html'" in message
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no results at" in result.output
    result = runner.invoke(app, ["report", str(golden), "--metric", "mrr@5"])
    assert result.exit_code == 2 and "unknown metric mrr@5" in result.output


def test_resolve_source_picks_newest_suite_or_name(golden: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    old, new = shutil.copytree(golden, runs / "old"), shutil.copytree(golden, runs / "new")
    (runs / "empty").mkdir()
    os.utime(old, (1, 1))
    os.utime(new, (2, 2))
    assert resolve_source(None, runs) == new
    assert resolve_source("old", runs) == runs / "old"
    suite = tmp_path / "s.toml"
    suite.write_text('[suite]\nname = "old"\n')
    assert resolve_source(str(suite), runs) == runs / "old"
    with pytest.raises(ReportError, match="suites there: empty, new, old"):
        resolve_source("missing", runs)
    with pytest.raises(ReportError, match="no suite results in"):
        resolve_source(None, tmp_path / "none")
