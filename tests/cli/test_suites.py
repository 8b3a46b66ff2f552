"""``talosbench suites``: every shipped suite with its grid size and estimated cost, in 100 columns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from talosbench.bench import PlanEstimate
from talosbench.cli import app
from talosbench.suite import shipped_suites


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["suites", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_lists_every_shipped_suite_with_its_grid_size(tmp_path: Path) -> None:
    listed = json.loads(_invoke("--json", "--data-dir", str(tmp_path)))
    assert [s["name"] for s in listed] == list(shipped_suites())
    quick = next(s for s in listed if s["name"] == "quick")
    assert quick["file"] == str(shipped_suites()["quick"])
    assert (quick["cells"], quick["runs"], quick["tuning_trials"]) == (14, 28, 0)  # 14 losses x 2 seeds
    movielens = next(s for s in listed if s["name"] == "movielens")
    # 72 tuning trials, then 12 cells x 5 seeds.
    assert (movielens["cells"], movielens["runs"], movielens["tuning_trials"]) == (12, 132, 72)
    # An empty data home has no bench figures: the catalog knows the sizes, this machine is not measured.
    assert quick["estimate"] == {
        "seconds": None,
        "priced_runs": 0,
        "unpriced_runs": 28,
        "uncalibrated_runs": 28,
    }
    assert not (tmp_path / "bench.json").exists()  # the listing measures nothing


def test_the_table_fits_100_columns_and_says_what_is_not_calibrated(tmp_path: Path) -> None:
    text = _invoke("--data-dir", str(tmp_path))
    lines = text.splitlines()
    assert lines[0].split() == ["suite", "description", "cells", "runs", "estimate"]
    assert max(map(len, lines)) <= 100
    rows = {line.split()[0]: line for line in lines[2:] if line and not line[0].isspace()}
    assert set(shipped_suites()) <= set(rows)
    assert rows["quick"].split()[-5:] == ["14", "28", "not", "calibrated", "yet"]


def test_the_estimate_prices_every_run_of_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake(
        cells: list[Any], *, data_dir: Path | None = None, results_dir: Path | None = None
    ) -> PlanEstimate:
        if cells[0].plan.suite.name == "quick":
            seen["runs"], seen["done"] = sum(c.runs for c in cells), sum(c.done for c in cells)
            return PlanEstimate(seconds=100.0, priced=28, unpriced=0)
        if cells[0].plan.suite.name == "movielens":
            return PlanEstimate(seconds=30.0, priced=36, unpriced=96)
        return PlanEstimate(seconds=0.0, priced=0, unpriced=sum(c.runs for c in cells))

    monkeypatch.setattr("talosbench.bench.estimate_plan", fake)
    rows = {line.split()[0]: line for line in _invoke().splitlines()[2:] if line and not line[0].isspace()}
    assert seen == {"runs": 28, "done": 0}  # the whole suite, whatever a results folder holds
    assert rows["quick"].endswith("~1m40s")
    assert rows["movielens"].endswith("~30s for 36/132 runs")
    assert rows["iid"].endswith("not priced")


def test_with_a_results_folder_stored_runs_count_and_only_what_is_left_is_priced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.test_status import SUITE

    suite, runs, home = tmp_path / "tiny.toml", tmp_path / "runs", tmp_path / "home"
    suite.write_text(SUITE)
    assert (
        CliRunner()
        .invoke(app, ["run", str(suite), "--results-dir", str(runs), "--data-dir", str(home)])
        .exit_code
        == 0
    )
    monkeypatch.setattr("talosbench.suite.shipped_suites", lambda: {"tiny": suite})
    listed = json.loads(_invoke("--json", "--data-dir", str(home), "--results-dir", str(runs)))
    assert (listed[0]["runs"], listed[0]["stored"]) == (6, 6)
    assert listed[0]["estimate"]["priced_runs"] == 0  # nothing left to price
    assert "done (all stored)" in _invoke("--data-dir", str(home), "--results-dir", str(runs))
    shutil.rmtree(next((runs / "tiny").glob("*/result.json")).parent)
    listed = json.loads(_invoke("--json", "--data-dir", str(home), "--results-dir", str(runs)))
    assert listed[0]["stored"] == 5
    assert listed[0]["estimate"]["priced_runs"] == 1  # priced from the 5 stored runs
    assert "(1 left)" in _invoke("--data-dir", str(home), "--results-dir", str(runs))
