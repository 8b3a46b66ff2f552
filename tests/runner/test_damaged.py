"""A stored run whose files cannot be read: ``run`` redoes it, ``report`` skips it, one line each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.results import collect

# One damaged file per run: each of a run's four files, truncated as a full disk or a cut copy leaves it.
DAMAGED = ("result.json", "config.json", "history.parquet", "per_user.parquet")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def damaged_grid(tmp_path: Path, tiny_suite: Callable[..., Path]) -> tuple[list[str], dict[Path, str]]:
    """The tiny suite run through the CLI, then four of its six runs damaged (one file each)."""
    suite = tiny_suite(2)
    args = [
        "run",
        str(suite),
        "--quiet",
        "--results-dir",
        str(tmp_path / "runs"),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    suite_dir = tmp_path / "runs" / "tiny"
    runs = collect(suite_dir).sort("loss", "seed")["run_id"].to_list()  # bpr, sl, talos x 2 seeds
    chosen = [runs[i] for i in (0, 1, 2, 5)]  # both bpr runs, sl seed 1, talos seed 2
    victims = {suite_dir / run_id: name for run_id, name in zip(chosen, DAMAGED, strict=True)}
    for directory, name in victims.items():
        truncate(directory / name)
    return args, victims


Grid = tuple[list[str], dict[Path, str]]


def test_report_skips_a_damaged_run_with_one_line_each(damaged_grid: Grid) -> None:
    args, victims = damaged_grid
    result = CliRunner().invoke(app, ["report", str(next(iter(victims)).parent), "--table", "accuracy"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for directory, name in victims.items():
        line = f"note: skipped damaged run {directory}: {name} cannot be read ("
        assert sum(text.startswith(line) for text in result.stderr.splitlines()) == 1
    notes = [text for text in result.stderr.splitlines() if text.startswith("note: skipped damaged run")]
    assert len(notes) == 4
    assert all(text.endswith(f"rerun `talosbench run {args[1]}` to redo it") for text in notes)
    # The damaged runs are not complete: bpr has none left, and its planned cell says so.
    assert (
        result.stdout.count("– (0/2 seeds, 2 missing)") == 3
        and "partial: 4 of 6 planned runs" in result.stdout
    )
    assert result.stdout.count("(1/2 seeds, 1 missing)") == 2 * 3  # sl and talos, the [eval] metrics each
    plot = CliRunner().invoke(app, ["plot", str(next(iter(victims)).parent), "--metric", "precision@20"])
    assert plot.exit_code == 0 and plot.stderr.splitlines() == notes  # plots cover the same runs


def test_run_redoes_each_damaged_run_and_the_grid_goes_on(damaged_grid: Grid) -> None:
    args, victims = damaged_grid
    suite_dir = next(iter(victims)).parent
    intact = {p: p.stat().st_mtime_ns for p in suite_dir.glob("*/result.json") if p.parent not in victims}
    dry = CliRunner().invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "6 runs (0 tuning trials" in dry.stdout and "2 complete" in dry.stdout
    assert [text.split(":")[0] for text in dry.stderr.splitlines()] == [f"damaged run {d}" for d in victims]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = [text for text in result.stderr.splitlines() if text.startswith("damaged run ")]
    assert len(lines) == 4
    for directory, name in victims.items():
        line = f"damaged run {directory}: {name} cannot be read ("
        assert sum(text.startswith(line) for text in lines) == 1
    assert all(text.endswith("will be redone") for text in lines)
    assert "6 runs: 4 trained, 2 already complete, 0 failed" in result.stderr
    assert collect(suite_dir).height == 6  # redone: every file of every run reads again
    assert {p: p.stat().st_mtime_ns for p in intact} == intact  # the intact runs were not touched
    report = CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy"])
    assert report.exit_code == 0 and "note:" not in report.stderr
    assert "seeds" not in report.stdout.split("\n\n")[1]  # the table: every cell complete again


def test_a_result_copied_from_another_run_is_damaged(tmp_path: Path, tiny_suite: Callable[..., Path]) -> None:
    """A ``result.json`` copied over another run's reads fine but belongs elsewhere: both commands say so."""
    suite = tiny_suite(2)
    args = [
        "run",
        str(suite),
        "--quiet",
        "--results-dir",
        str(tmp_path / "runs"),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    suite_dir = tmp_path / "runs" / "tiny"
    source, victim = collect(suite_dir).sort("loss", "seed")["run_id"].to_list()[:2]
    (suite_dir / victim / "result.json").write_bytes((suite_dir / source / "result.json").read_bytes())
    problem = f"result.json belongs to run {source}, not to this folder's run {victim}"
    report = CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy"])
    assert report.exit_code == 0, report.output
    redo = f"rerun `talosbench run {suite}` to redo it"
    assert report.stderr.splitlines() == [
        f"note: skipped damaged run {suite_dir / victim}: {problem}; {redo}"
    ]
    result = CliRunner().invoke(app, [a for a in args if a != "--quiet"])  # shows the damaged line
    assert result.exit_code == 0, result.output
    assert f"damaged run {suite_dir / victim}: {problem}:" in result.stderr
    assert "6 runs: 1 trained, 5 already complete, 0 failed" in result.stderr
    assert collect(suite_dir).height == 6  # redone: the folder holds its own run again


def test_a_result_no_run_writes_is_skipped_by_report_and_redone_by_run(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    """A NaN test metric, a missing test block and an unknown status: damaged, like a truncated file."""
    suite = tiny_suite(2)
    args = ["run", str(suite), "--quiet", "--results-dir", str(tmp_path / "runs")]
    args += ["--data-dir", str(tmp_path / "data")]
    assert CliRunner().invoke(app, args).exit_code == 0
    suite_dir = tmp_path / "runs" / "tiny"
    runs = collect(suite_dir).sort("loss", "seed")["run_id"].to_list()
    edits = {
        runs[0]: lambda d: d["test"].update({"precision@20": float("nan")}),
        runs[2]: lambda d: d.pop("test"),
        runs[4]: lambda d: d.update({"status": "finished"}),
    }
    for run_id, edit in edits.items():
        path = suite_dir / run_id / "result.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
    report = CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy"])
    assert report.exit_code == 0, report.output
    notes = report.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in notes] == [
        f"skipped damaged run {suite_dir / run_id}" for run_id in sorted(edits)
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "6 runs: 3 trained, 3 already complete, 0 failed" in result.stderr
    assert collect(suite_dir).height == 6
    assert CliRunner().invoke(app, ["report", str(suite_dir), "--table", "accuracy"]).stderr == ""
