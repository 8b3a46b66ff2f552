"""The dry run's tuning points: each stage's points, coverage, the default point, stage 2 once known."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.runner import run_suite
from talosbench.suite import load_suite
from tests.runner.test_scheduler import TwoStageFake, install

SUITE = """
[suite]
name = "two"
seeds = [1, 2]
budget = 3
extra_budget = 3
[train]
epochs = 2
[grid]
datasets = ["synthetic"]
losses = ["sl", "bsl"]
[losses.sl]
tau = [0.05, 0.1, 0.2, 0.3]
lr = [0.1, 0.01]
[losses.bsl]
tau = [0.05, 0.1, 0.2, 0.3]
lr = [0.1, 0.01]
tau2 = [0.05, 0.1, 0.2, 0.3]
"""


def dry_run(suite: Path, results: Path) -> str:
    result = CliRunner().invoke(app, ["run", str(suite), "--dry-run", "--results-dir", str(results)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_dry_run_shows_each_stage_and_the_second_once_the_first_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = tmp_path / "two.toml"
    suite.write_text(SUITE)
    before = dry_run(suite, tmp_path)
    assert re.search(r"bsl +6/32 points +8 +0", before)  # 3 + 3 trials of 32 points, then 2 seeds
    assert "synthetic/iid/mf/sl: 3 of 8 points, one stage" in before
    assert "points: 3 of 8 points; values tried per dimension: tau 3/4, lr 2/2" in before
    # lr's default (0.001) is not in the grid: its first value stands in
    assert "    tau=0.1, lr=0.1  (default)\n" in before
    assert "synthetic/iid/mf/bsl: two stages: 3 points of the shared dimensions, then 3 of tau2" in before
    assert "stage 1: 3 of 32 points; values tried per dimension: tau 3/4, lr 2/2, tau2 1/4" in before
    assert "the same shared points as synthetic/iid/mf/sl, with tau2=0.05" in before
    assert "stage 2: 3 points, after stage 1 (they depend on its stored results)" in before

    install(monkeypatch, TwoStageFake(stop_at=0))  # stop at the first second-stage trial
    with pytest.raises(KeyboardInterrupt):
        run_suite(load_suite(suite), tmp_path)
    after = dry_run(suite, tmp_path)
    stage_two = after[after.index("  stage 2, at the best stage-1 point") :].splitlines()
    best = "tau=0.2, lr=0.01"
    assert stage_two[
        0
    ] == f"  stage 2, at the best stage-1 point ({best}, tau2=0.05): 3 of 32 points; values " + (
        "tried per dimension: tau 1/4, lr 1/2, tau2 3/4"
    )
    assert stage_two[1] == f"    {best}, tau2=0.2  (bsl equals sl here)"  # its parent point, first
    assert all(line.startswith(f"    {best}, tau2=") for line in stage_two[2:4])
