"""A report over a results root keeps suites apart; each suite shows the metrics of its [eval]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench import results
from talosbench.cli import app
from talosbench.report import report
from talosbench.report.figures import plot_results

from .conftest import PRECISION, SEEDS, write

LOSSES = ("sl", "talos")


def _suite(root: Path, suite: str, shift: float = 0.0) -> list[str]:
    """Two losses x three seeds of the iid cell in ``suite``; their run ids."""
    for loss in LOSSES:
        for seed, value in zip(SEEDS, PRECISION[("iid", loss)], strict=True):
            write(root, "iid", loss, seed, precision=value + shift, suite=suite)
    return [d.name for d in (root / suite).iterdir() if d.is_dir()]


@pytest.fixture
def two_suites(tmp_path: Path) -> Path:
    """Suites ``iid`` and ``ablation`` under one results root, both holding ml/iid/mf talos and sl."""
    _suite(tmp_path, "iid")
    _suite(tmp_path, "ablation", shift=0.05)
    return tmp_path


def test_a_results_root_reports_each_suite_apart(two_suites: Path) -> None:
    text = report(two_suites, tables=["accuracy", "convergence"])
    titles = [line[4:] for line in text.splitlines() if line.startswith("### ")]
    assert [title.split(" — ")[1] for title in titles] == ["suite ablation"] * 2 + ["suite iid"] * 2
    assert titles[1] == "Convergence variance — suite ablation"
    assert "6/3 seeds" not in text and text.count("3/3 seeds") == 4  # convergence rows
    # Each suite's own talos mean (0.31 and 0.36), bold: complete cells are ranked again.
    assert "**0.3100 ± 0.0100**" in text and "**0.3600 ± 0.0100**" in text
    records = json.loads(report(two_suites, fmt="json", tables=["accuracy"]))
    mean = [r for r in records if r["loss"] == "talos" and r["metric"] == "precision@20"]
    talos = {r["suite"]: r["value"] for r in mean}
    assert talos == {"iid": pytest.approx(0.31), "ablation": pytest.approx(0.36)}


def test_a_suite_without_metrics_is_a_note_not_the_end_of_the_report(two_suites: Path) -> None:
    for seed in SEEDS:
        write(two_suites, "iid", "sl", seed, precision=None, status="failed", suite="broken")
    notes: list[str] = []
    text = report(two_suites, tables=["accuracy"], on_note=notes.append)
    assert "suite iid" in text and "suite ablation" in text
    assert notes == ["suite broken left out of the report: the runs hold no test metrics; nothing to report"]
    assert text.rstrip().endswith(notes[0])


def test_one_suite_keeps_its_titles(two_suites: Path) -> None:
    text = report(two_suites / "iid", tables=["accuracy"])
    assert "### Accuracy (" in text and "suite iid" not in text


def test_plots_of_a_results_root_go_to_one_folder_per_suite(two_suites: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    paths = plot_results(two_suites, tmp_path / "plots", metrics=["precision@20"])
    folders = {path.parent.name for path in paths}
    assert folders == {"iid", "ablation"}
    assert (tmp_path / "plots" / "iid" / "valid_precisionat20_ml_iid_mf.png").is_file()


def _accuracy_columns(text: str) -> list[str]:
    header = next(line for line in text.splitlines() if "| loss " in line)
    cells = [cell.strip() for cell in header.strip("|").split("|")]
    return cells[cells.index("loss") + 1 :]


def test_the_report_shows_the_metrics_of_the_suites_eval(tmp_path: Path) -> None:
    runs = _suite(tmp_path, "iid")
    results.write_plan(tmp_path / "iid", runs, tmp_path / "iid.toml", {"metrics": ["recall"], "ks": [20]})
    assert _accuracy_columns(report(tmp_path / "iid", tables=["accuracy"])) == ["ml recall@20"]
    # --metric still overrides the suite.
    chosen = report(tmp_path / "iid", tables=["accuracy"], metrics=["precision@20"])
    assert _accuracy_columns(chosen) == ["ml precision@20"]


SUITE = """
[suite]
name = "iid"
seeds = [1, 2, 3]
[eval]
metrics = ["recall"]
ks = [20]
[grid]
datasets = ["synthetic"]
scenarios = ["iid"]
backbones = ["mf"]
losses = ["sl", "talos"]
"""


def test_results_of_older_versions_read_eval_from_the_recorded_suite_file(tmp_path: Path) -> None:
    runs = _suite(tmp_path / "runs", "iid")
    suite_file = tmp_path / "iid.toml"
    suite_file.write_text(SUITE, encoding="utf-8")
    results.write_plan(tmp_path / "runs" / "iid", runs, suite_file)  # no [eval] recorded
    assert _accuracy_columns(report(tmp_path / "runs", tables=["accuracy"])) == ["ml recall@20"]
    suite_file.write_text(SUITE.replace('"recall"', '"precision"'), encoding="utf-8")
    # Edited since: no longer what the runs were asked for, so every metric shows.
    assert _accuracy_columns(report(tmp_path / "runs", tables=["accuracy"])) == [
        "ml precision@20",
        "ml recall@20",
    ]


def test_cli_report_follows_the_suite(tmp_path: Path) -> None:
    runs = _suite(tmp_path, "iid")
    results.write_plan(tmp_path / "iid", runs, tmp_path / "iid.toml", {"metrics": ["recall"], "ks": [20]})
    result = CliRunner().invoke(app, ["report", str(tmp_path / "iid"), "--table", "accuracy"])
    assert result.exit_code == 0, result.output
    assert "recall@20" in result.output and "precision@20" not in result.output


PLAN_DAMAGE = {
    "truncated": ("{", "cannot be read ("),
    "runs of another type": ('{"runs": [{}]}', "holds no list of runs"),
    "eval of another type": (
        '{"runs": [], "eval": {"metrics": 5, "ks": [20]}}',
        "holds no [eval] metrics and ks",
    ),
    "source of another type": ('{"runs": [], "source": 5}', "holds a source that is no text"),
}


@pytest.mark.parametrize(("text", "problem"), list(PLAN_DAMAGE.values()), ids=list(PLAN_DAMAGE))
def test_a_suite_whose_plan_does_not_read_is_one_note_and_the_others_report(
    two_suites: Path, text: str, problem: str
) -> None:
    _suite(two_suites, "broken")
    (two_suites / "broken" / "plan.json").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(two_suites), "--table", "accuracy"])
    assert result.exit_code == 0, result.output
    assert "suite iid" in result.stdout and "suite ablation" in result.stdout
    assert "— suite broken" not in result.stdout  # no table of it; the note ends the report
    [note] = result.stderr.splitlines()
    assert note.startswith(
        f"note: suite broken left out of the report: {two_suites / 'broken' / 'plan.json'} "
    )
    assert problem in note and note.endswith("to record the suite's plan again")


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [("config.json", "seed", 2**64), ("result.json", "epochs", "20"), ("result.json", "tuning", [1])],
)
def test_a_run_holding_a_value_no_run_writes_is_one_damaged_run(
    two_suites: Path, name: str, key: str, value: object
) -> None:
    victim = next(d for d in sorted((two_suites / "iid").iterdir()) if d.is_dir())
    data = json.loads((victim / name).read_text(encoding="utf-8"))
    (victim / name).write_text(json.dumps({**data, key: value}), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(two_suites), "--table", "accuracy"])
    assert result.exit_code == 0, result.output
    assert "suite iid" in result.stdout and "suite ablation" in result.stdout
    [note] = result.stderr.splitlines()
    assert note.startswith(f"note: skipped damaged run {victim}: result.json or config.json holds ")
