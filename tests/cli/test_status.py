"""``talosbench status``: each cell's complete, damaged and missing runs, and what is left to train."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from talosbench.cli import app

SUITE = """
[suite]
name = "tiny"
seeds = [1, 2]

[train]
epochs = 1
eval_every = 1
negatives = 4
device = "cpu"

[grid]
datasets = ["synthetic"]
losses = ["bpr", "sl"]

[datasets.synthetic]
n_users = 60
n_items = 40
n_interactions = 1200

[losses.sl]
lr = [0.1, 0.01]
"""


def _status(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["status", *args])
    return result.exit_code, result.output


def test_status_counts_stored_runs_and_prices_what_is_left(tmp_path: Path) -> None:
    suite, runs, home = tmp_path / "tiny.toml", tmp_path / "runs", tmp_path / "home"
    suite.write_text(SUITE)
    common = ["--results-dir", str(runs), "--data-dir", str(home)]
    assert CliRunner().invoke(app, ["run", str(suite), *common]).exit_code == 0
    code, out = _status(str(runs / "tiny"), "--data-dir", str(home))
    assert code == 0, out
    assert "2 cells, 6 runs: 6 complete, 0 failed, 0 damaged, 0 missing" in out
    assert "nothing left to train" in out
    # One final run gone, another damaged: missing and damaged, and what is left is priced from the rest.
    stored = sorted(p.parent for p in (runs / "tiny").glob("*/result.json"))
    report = json.loads(_status(str(suite), *common, "--json")[1])[0]
    finals = next(c for c in report["cells"] if c["loss"] == "bpr")
    assert finals == {**finals, "runs": 2, "complete": 2, "tuning": None}
    sl = next(c for c in report["cells"] if c["loss"] == "sl")
    assert sl["tuning"] == {"trials": 2, "stored": 2, "pruned": 0} and sl["chosen"] is not None
    bpr_runs = [d for d in stored if json.loads((d / "result.json").read_text())["cell"]["loss"] == "bpr"]
    shutil.rmtree(bpr_runs[0])
    (bpr_runs[1] / "result.json").write_text("{not json")
    report = json.loads(_status(str(suite), *common, "--json")[1])[0]
    bpr = next(c for c in report["cells"] if c["loss"] == "bpr")
    assert (bpr["complete"], bpr["damaged"], bpr["missing"]) == (0, 1, 1)
    assert report["left"]["runs"] == 2 and report["left"]["priced_runs"] == 2
    assert report["left"]["priced_from"].endswith("stored runs of this suite")
    code, out = _status(str(suite), *common)
    assert "left: 2 runs, about" in out and "damaged: " in out


def test_a_folder_without_suite_results_is_a_usage_error(tmp_path: Path) -> None:
    code, out = _status(str(tmp_path))
    assert code == 2
    assert "no suite results in" in out
