"""An edited suite rerun into the same results: its report covers the runs of the suite as it is now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.results import PLAN_FILE, collect

LEFT_OUT = "note: 6 stored runs left out: not in the current plan of suite tiny (edited since they ran)"


def epochs(frame: pl.DataFrame) -> list[int]:
    return [json.loads(setting)["epochs"] for setting in frame["setting"]]


def test_report_leaves_out_the_runs_of_the_suite_before_its_edit(edited_suite: Path) -> None:
    suite_dir = edited_suite / "runs" / "tiny"
    result = CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [LEFT_OUT]
    records = list(pl.read_csv(result.stdout.encode()).iter_rows(named=True))
    cells = [r for r in records if r["loss"] != "Imp.%"]
    assert {r["runs"] for r in cells} == {"2/2 seeds"} and len(cells) == 3 * 3  # the [eval] metrics
    frame = collect(suite_dir)
    current = frame.filter(pl.Series(epochs(frame)) == 3)
    for record in cells:  # the numbers are those of the current (3-epoch) runs alone
        runs = current.filter(pl.col("loss") == record["loss"])
        assert record["value"] == pytest.approx(runs[f"test_{record['metric']}"].mean(), abs=1e-12)
    assert all(r["value"] is not None for r in records if r["loss"] == "Imp.%")  # comparable again
    markdown = CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy"])
    assert markdown.stdout.rstrip().endswith(LEFT_OUT.replace("note:", "Note:"))
    assert "(4/2 seeds)" not in markdown.stdout
    plot = CliRunner().invoke(app, ["plot", str(suite_dir), "--metric", "precision@20"])
    assert plot.exit_code == 0 and plot.stderr.splitlines() == [LEFT_OUT]  # plots cover the same runs


def test_report_of_the_suite_file_matches_its_recorded_plan(
    edited_suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(edited_suite)
    by_dir = CliRunner().invoke(app, ["report", "runs/tiny", "--table", "accuracy"])
    by_file = CliRunner().invoke(app, ["report", "tiny.toml", "--table", "accuracy"])
    assert by_file.exit_code == 0 and by_file.stdout == by_dir.stdout and by_file.stderr == by_dir.stderr


def test_report_of_a_suite_file_edited_since_its_last_run(
    edited_suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = (edited_suite / "tiny.toml").read_text().replace("epochs = 3", "epochs = 4")
    (tmp_path / "tiny.toml").write_text(edited)
    monkeypatch.chdir(edited_suite)  # where runs/tiny is
    result = CliRunner().invoke(app, ["report", str(tmp_path / "tiny.toml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        LEFT_OUT.replace("6", "12"),
        "error: no complete runs to report; run `talosbench run SUITE.toml` first",
    ]


def test_results_without_a_plan_say_that_they_mix_settings(edited_suite: Path, tmp_path: Path) -> None:
    old = tmp_path / "tiny"
    shutil.copytree(edited_suite / "runs" / "tiny", old)
    (old / PLAN_FILE).unlink()  # as results of a version that recorded no plan
    result = CliRunner().invoke(app, ["report", str(old), "--table", "accuracy"])
    assert result.exit_code == 0
    assert "(4/2 seeds)" in result.stdout  # every run still counts, as before...
    notes = sorted(result.stderr.splitlines())
    assert len(notes) == 3  # ...but each mixed cell says so
    for note, loss in zip(notes, ("bpr", "sl", "talos"), strict=True):
        assert note.startswith(f"note: synthetic/iid/mf/{loss} in suite tiny: its 4 final runs were trained ")
        assert "with different settings (epochs 2 / 3), so runs of an edited suite are mixed" in note
