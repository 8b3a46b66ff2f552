"""Progress: live rows on a terminal (rich), plain lines in a log; times left recomputed as runs go."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from talosbench.cli import progress as progress_module
from talosbench.cli.progress import GridProgress, RunState, TrainProgress, duration
from talosbench.config import RunConfig
from talosbench.runner import Job, Outcome
from talosbench.suite import Cell

CELL = Cell("synthetic", "iid", "mf", "sl")


def job(seed: int) -> Job:
    return Job(CELL, RunConfig(dataset="synthetic", loss="sl", seed=seed, epochs=4), "final")


def outcome(j: Job, seconds: float, valid: float = 0.0812) -> Outcome:
    return Outcome(j.run_id, "completed", best_valid={"precision@20": valid}, seconds=seconds)


BATCH = {"epoch": 2, "epochs": 4, "batch": 3, "batches": 10}
EPOCH = {"epoch": 2, "epochs": 4, "train_loss": 0.4123, "valid": None}
VALID = {"epoch": 2, "epochs": 4, "valid": {"precision@20": 0.0812}}


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=140, color_system=None), out


def grid(progress: GridProgress) -> None:
    """Two runs of a grid of three, the first seen through every kind of progress report."""
    with progress:
        progress.planned(3, 1)
        first = job(1)
        progress.started(first)
        for info in (BATCH, EPOCH, VALID):
            progress.epoch(first, info)
        progress.finished(first, outcome(first, 4.0))
        progress.finished(job(2), Outcome(job(2).run_id, "completed", reused=True))


def test_a_log_gets_whole_lines_one_per_validation_and_per_finished_run() -> None:
    out_console, out = console(terminal=False)
    progress = GridProgress(quiet=False, slots=1, console=out_console)
    assert not progress.live
    grid(progress)
    lines = out.getvalue().splitlines()
    assert lines[0] == "3 runs planned, 1 already complete"
    assert lines[1] == "  synthetic/iid/mf/sl seed 1 | epoch 2/4 | valid precision@20 0.0812"
    assert re.fullmatch(
        r"\[2/3 \| \d+s elapsed, ~\d+s left\] synthetic/iid/mf/sl seed 1: completed "
        r"valid precision@20 0\.0812 \(4s\)",
        lines[2],
    ), lines[2]
    assert len(lines) == 3 and "\r" not in out.getvalue() and "\x1b" not in out.getvalue()  # no redraws


def test_runs_found_complete_are_counted_once_when_a_grid_resumes() -> None:
    out_console, out = console(terminal=False)
    progress = GridProgress(quiet=False, slots=1, console=out_console)
    with progress:
        progress.planned(6, 4)  # a rerun: four of six runs are stored
        for seed in (1, 2, 3, 4):
            progress.finished(job(seed), Outcome(job(seed).run_id, "completed", reused=True))
        assert progress.done == 4
        for seed in (5, 6):
            progress.started(job(seed))
            progress.finished(job(seed), outcome(job(seed), 2.0))
    finished = [line for line in out.getvalue().splitlines() if line.startswith("[")]
    assert [line.split(" |")[0] for line in finished] == ["[5/6", "[6/6"]
    assert progress.done == 6


def test_quiet_keeps_one_line_per_finished_run() -> None:
    out_console, out = console(terminal=True)  # even on a terminal
    progress = GridProgress(quiet=True, slots=1, console=out_console)
    assert not progress.live
    grid(progress)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "valid precision@20 0.0812 (4s)" in lines[1]


def test_a_terminal_gets_live_rows_with_the_batch_bar_the_last_validation_and_times() -> None:
    out_console, out = console(terminal=True)
    progress = GridProgress(quiet=False, slots=2, per_run=30.0, console=out_console)
    assert progress.live
    with progress:
        progress.planned(4, 0)
        running = job(1)
        progress.started(running)
        for info in (EPOCH, BATCH, VALID):
            progress.epoch(running, info)
    drawn = out.getvalue()  # the last drawing stays when the display stops
    assert "synthetic/iid/mf/sl seed 1" in drawn and "epoch 2/4" in drawn  # VALID came last
    assert "loss 0.4123" in drawn and "valid precision@20 0.0812" in drawn
    assert "0/4 runs" in drawn and re.search(r"\d+s \(~\d+s left\)", drawn)  # elapsed, time left
    assert "━" in drawn  # the bars
    assert "  synthetic/iid/mf/sl seed 1 | epoch" not in drawn  # validation lines are for logs


def test_run_time_left_follows_its_pace_and_the_runs_that_finished() -> None:
    run = RunState("r", "precision@20", start=0.0, epoch=2, epochs=10)
    assert run.left(now=20.0, typical=None) == pytest.approx(80.0)  # 20 s for a fifth of the cap
    assert run.left(now=20.0, typical=50.0) == pytest.approx(30.0)  # finished runs stopped early
    assert run.left(now=20.0, typical=10.0) == pytest.approx(80.0)  # this one outlasted them
    assert run.status() == "epoch 2/10"  # just finished
    run.update({"epoch": 5, "epochs": 10, "batch": 5, "batches": 10})  # half of epoch 5: 45 % done
    assert run.fraction() == pytest.approx(0.45) and run.status() == "epoch 5/10"  # in progress
    assert RunState("r", "precision@20", start=0.0).left(now=5.0, typical=None) is None


def test_grid_time_left_is_recomputed_as_runs_progress_and_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": 0.0}
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock["now"])
    out_console, _ = console(terminal=False)
    progress = GridProgress(quiet=False, slots=1, console=out_console)
    progress.planned(3, 0)
    first = job(1)
    progress.started(first)
    assert progress.left(0.0) is None  # nothing to go by yet
    clock["now"] = 10.0
    progress.epoch(first, {"epoch": 1, "epochs": 4, "train_loss": 0.5, "valid": None})
    assert progress.left(10.0) == pytest.approx(30.0 + 2 * 40.0)  # its pace projected to the cap, x3
    progress.finished(first, outcome(first, 20.0))  # it stopped early
    assert progress.left(10.0) == pytest.approx(2 * 20.0)  # the two left are priced at 20 s each
    given = GridProgress(quiet=False, slots=2, per_run=30.0, console=out_console)
    given.planned(4, 0)
    assert given.left(0.0) == pytest.approx(4 * 30.0 / 2)  # the estimate, shared by two workers


def train_events(progress: TrainProgress) -> None:
    with progress:
        progress.message("building iid split of synthetic (seed 2024)")
        for info in (BATCH, EPOCH, VALID):
            progress(info)


def test_train_progress_in_a_log_and_on_a_terminal() -> None:
    plain_console, plain = console(terminal=False)
    train_events(TrainProgress("synthetic/iid/mf/sl seed 1", "precision@20", console=plain_console))
    assert plain.getvalue().splitlines() == [
        "building iid split of synthetic (seed 2024)",
        "  epoch    2: valid precision@20 = 0.0812",
    ]
    live_console, live = console(terminal=True)
    train_events(TrainProgress("synthetic/iid/mf/sl seed 1", "precision@20", console=live_console))
    drawn = live.getvalue()
    assert "  epoch    2: valid precision@20 = 0.0812" in drawn  # kept above the live row
    for text in ("synthetic/iid/mf/sl seed 1", "epoch 2/4", "loss 0.4123", "s left)", "━"):
        assert text in drawn, text


def test_duration() -> None:
    assert [duration(s) for s in (42, 185, 7620)] == ["42s", "3m05s", "2h07m"]
