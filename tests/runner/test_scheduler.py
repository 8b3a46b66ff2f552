"""Grid logic with a deterministic stand-in for training: tuning order, roles, failures, resume."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import torch

from talosbench.config import RunConfig, RunResult
from talosbench.device import DeviceError
from talosbench.results import ResultsWriteError, collect, read_plan, read_run, run_dir
from talosbench.runner import Listener, RunnerError, build_plan, current_runs, describe, run_suite
from talosbench.suite import SuiteError, parse_suite

TAUS = [0.05, 0.1, 0.2, 0.3]


def make_suite(**losses: Any):  # type: ignore[no-untyped-def]
    data = {
        "suite": {"name": "fake", "seeds": [1, 2, 3]},
        "train": {"epochs": 2},
        "grid": {"datasets": ["synthetic"], "losses": list(losses) or ["sl", "talos"]},
        "losses": losses or {"talos": {"tau": TAUS}},
    }
    return parse_suite(data, "fake.toml")


class Fake:
    """Validation prefers tau near 0.2, test prefers tau far from it: the two rankings disagree."""

    def __init__(self, diverge: set[str] = frozenset(), explode: set[str] = frozenset()) -> None:
        self.calls: list[RunConfig] = []
        self.diverge, self.explode = diverge, explode

    def __call__(self, config: RunConfig, **kwargs: Any) -> RunResult:
        self.calls.append(config)
        if config.loss in self.explode:
            raise RuntimeError("boom")
        if config.loss in self.diverge:
            return RunResult(status="diverged", error="loss became NaN at epoch 1", epochs=1)
        gap = abs(config.loss_params.get("tau", 0.1) - 0.2)
        valid = 0.5 - gap + config.seed * 1e-4
        return RunResult(
            status="completed",
            test={"precision@20": 0.1 + gap},
            best_valid={"precision@20": valid},
            best_epoch=2,
            epochs=2,
            history=pl.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]}),
            per_user=pl.DataFrame({"user": [0, 1], "precision@20": [0.1, 0.2]}),
        )


def install(monkeypatch: pytest.MonkeyPatch, stand_in: Fake) -> Fake:
    """Train with ``stand_in``; the data step before training has nothing to prepare."""
    train = lambda config, _split, **kw: stand_in(config, **kw)  # noqa: E731 (the split is not needed)
    monkeypatch.setattr("talosbench.train.run.train_split", train)
    monkeypatch.setattr("talosbench.runner.execute.prepare_split", lambda *args, **kwargs: None)
    return stand_in


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    return install(monkeypatch, Fake())


def test_tuning_picks_by_validation_and_reports_only_the_chosen_point(fake: Fake, tmp_path: Path) -> None:
    summary = run_suite(make_suite(sl={}, talos={"tau": TAUS}), tmp_path)
    assert summary.failed == [] and summary.total == 3 + (4 + 3)
    assert len(fake.calls) == summary.ran == summary.total
    frame = collect(tmp_path)
    talos = frame.filter(pl.col("loss") == "talos")
    finals = talos.filter(pl.col("role") == "final")
    assert sorted(finals["seed"].to_list()) == [1, 2, 3]
    assert set(finals["point.tau"].to_list()) == {0.2}  # best on validation, worst on test
    assert set(finals["tuning_budget"].to_list()) == {4}
    trials = talos.filter(pl.col("role") == "trial")
    assert sorted(trials["point.tau"].to_list()) == TAUS
    assert set(trials["seed"].to_list()) == {0}  # the tuning seed, which no final run uses
    assert talos.height == 7 and talos["run_id"].n_unique() == 7
    sl = frame.filter(pl.col("loss") == "sl")
    assert sl["role"].to_list() == ["final"] * 3 and sl["point.tau"].to_list() == [None] * 3


def test_every_reported_seed_trains_fresh_and_no_final_is_a_tuning_trial(fake: Fake, tmp_path: Path) -> None:
    run_suite(make_suite(sl={}, talos={"tau": TAUS}), tmp_path)
    talos = collect(tmp_path).filter(pl.col("loss") == "talos")
    finals, trials = talos.filter(pl.col("role") == "final"), talos.filter(pl.col("role") == "trial")
    assert sorted(finals["seed"].to_list()) == [1, 2, 3] and trials["seed"].to_list() == [0] * 4
    assert set(finals["run_id"]).isdisjoint(trials["run_id"])  # the selection winner is never reported
    assert [(c.seed, c.loss_params["tau"]) for c in fake.calls if c.loss == "talos"][4:] == [
        (1, 0.2),
        (2, 0.2),
        (3, 0.2),
    ]


def test_the_tuning_seed_moves_trials_only(fake: Fake, tmp_path: Path) -> None:
    data = {
        "suite": {"name": "fake", "seeds": [1, 2, 3], "tuning_seed": 9},
        "train": {"epochs": 2},
        "grid": {"datasets": ["synthetic"], "losses": ["sl", "talos"]},
        "losses": {"talos": {"tau": TAUS}},
    }
    sl, talos = build_plan(parse_suite(data, "f.toml"))
    sl_default, talos_default = build_plan(make_suite())
    assert {j.config.seed for j in talos.trials()} == {9}
    assert [j.run_id for j in sl.finals()] == [j.run_id for j in sl_default.finals()]  # untuned: unchanged
    point = talos.points[0]
    assert [j.run_id for j in talos.finals(point)] == [j.run_id for j in talos_default.finals(point)]


def test_the_tuning_table_shows_each_cells_coverage_of_its_grid(fake: Fake, tmp_path: Path) -> None:
    from talosbench.report.tuning import tuning_table

    data = {
        "suite": {"name": "fake", "seeds": [1, 2], "budget": 2},
        "train": {"epochs": 2},
        "grid": {"datasets": ["synthetic"], "losses": ["sl", "talos"]},
        "losses": {"talos": {"tau": TAUS}, "sl": {"tau": TAUS, "lr": [0.1, 0.01]}},
    }
    run_suite(parse_suite(data, "f.toml"), tmp_path)
    table = tuning_table(collect(tmp_path), "precision@20", "sl")
    rows = {row[3].text: dict(zip(table.columns, (c.text for c in row), strict=True)) for row in table.rows}
    assert rows["talos"]["coverage"] == "2/4 (50 %)" and rows["sl"]["coverage"] == "2/8 (25 %)"
    coverage = [r for r in table.records if r["metric"] == "coverage"]
    got = sorted((r["loss"], r["value"], r["grid"]) for r in coverage)
    assert got == [("sl", 0.25, 8), ("talos", 0.5, 4)]
    assert "coverage: points tried / points in its full grid" in table.footer[0]


def test_dry_run_counts_the_trials_and_a_fresh_final_per_seed(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from talosbench.cli import app

    suite_file = tmp_path / "dry.toml"
    suite_file.write_text(
        '[suite]\nname = "dry"\nseeds = [1, 2, 3]\nbudget = 3\n[grid]\ndatasets = ["synthetic"]\n'
        'losses = ["sl", "talos"]\n[losses.talos]\ntau = [0.05, 0.1, 0.2, 0.3]\n'
    )
    result = CliRunner().invoke(app, ["run", str(suite_file), "--dry-run", "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "seeds [1, 2, 3] (tuning seed 0)" in result.stdout
    assert re.search(r"talos +3/4 points +6 +0", result.stdout)  # 3 trials + 3 finals; 3 of 4 points
    counts = "2 cells, 9 runs (3 tuning trials with seed 0, then every seed at the chosen point)"
    assert counts in result.stdout


def test_finals_wait_for_every_trial_of_their_cell(fake: Fake, tmp_path: Path) -> None:
    run_suite(make_suite(talos={"tau": TAUS}), tmp_path)
    kinds = [(c.seed, c.loss_params["tau"]) for c in fake.calls]
    assert kinds[:4] == [(0, t) for t in TAUS]
    assert kinds[4:] == [(1, 0.2), (2, 0.2), (3, 0.2)]


def test_rerun_trains_nothing_and_force_retrains(fake: Fake, tmp_path: Path) -> None:
    suite = make_suite(sl={}, talos={"tau": TAUS})
    run_suite(suite, tmp_path)
    marker = run_dir(tmp_path, "fake", fake.calls[0].run_id) / "result.json"
    stamp = marker.stat().st_mtime_ns
    fake.calls.clear()
    summary = run_suite(suite, tmp_path)
    assert fake.calls == [] and summary.ran == 0 and summary.reused == summary.total == 10
    assert marker.stat().st_mtime_ns == stamp
    assert run_suite(suite, tmp_path, force=True).ran == 10


def test_half_written_run_is_redone(fake: Fake, tmp_path: Path) -> None:
    suite = make_suite(sl={})
    run_suite(suite, tmp_path)
    victim = fake.calls[1]
    (run_dir(tmp_path, "fake", victim.run_id) / "result.json").unlink()  # killed before the marker
    fake.calls.clear()
    assert run_suite(suite, tmp_path).ran == 1
    assert [c.run_id for c in fake.calls] == [victim.run_id]


def test_failures_are_isolated_recorded_and_counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in = Fake(diverge={"bpr"}, explode={"psl"})
    install(monkeypatch, stand_in)
    summary = run_suite(make_suite(bpr={}, psl={}, sl={}), tmp_path)
    assert summary.ran == 3  # only sl completed: a run that diverged or raised is failed, never trained
    assert summary.ran + summary.reused + len(summary.failed) == summary.total == 9
    assert sorted((j.cell.loss, o.status) for j, o in summary.failed) == [
        ("bpr", "diverged"),
        ("bpr", "diverged"),
        ("bpr", "diverged"),
        ("psl", "error"),
        ("psl", "error"),
        ("psl", "error"),
    ]
    frame = collect(tmp_path)
    assert frame.filter(pl.col("loss") == "sl")["status"].to_list() == ["completed"] * 3
    assert frame.filter(pl.col("loss") == "bpr")["error"].to_list() == ["loss became NaN at epoch 1"] * 3
    assert frame.filter(pl.col("loss") == "psl").height == 0  # a run that raised is not recorded...
    stand_in.calls.clear()
    again = run_suite(make_suite(bpr={}, psl={}, sl={}), tmp_path)
    assert {c.loss for c in stand_in.calls} == {"psl"}  # ...so a rerun retries it, and only it
    assert len(again.failed) == 6 and again.reused == 3 and again.ran == 0


def test_a_cell_whose_every_trial_fails_has_no_finals(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stand_in = Fake(diverge={"talos"})
    install(monkeypatch, stand_in)
    summary = run_suite(make_suite(talos={"tau": TAUS}), tmp_path)
    assert len(stand_in.calls) == 4
    assert [str(c) for c in summary.unreachable] == ["synthetic/iid/mf/talos"]


def test_only_filters_cells_and_listener_sees_everything(fake: Fake, tmp_path: Path) -> None:
    events: list[str] = []

    class Record(Listener):
        def planned(self, total: int, done: int) -> None:
            events.append(f"planned {total} {done}")

        def chosen(self, cell, point, trials) -> None:  # type: ignore[no-untyped-def]
            events.append(f"chosen {cell} {point.as_dict()} {trials}")

        def finished(self, job, outcome) -> None:  # type: ignore[no-untyped-def]
            events.append(f"finished {job.role}")

    run_suite(make_suite(sl={}, talos={"tau": TAUS}), tmp_path, only=["loss=talos"], listener=Record())
    assert events[0] == "planned 7 0"
    assert events.count("finished trial") == 4 and events.count("finished final") == 3
    assert "chosen synthetic/iid/mf/talos {'tau': 0.2} 4" in events
    assert {c.loss for c in fake.calls} == {"talos"}


def _full_disk_after_first_run(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Once a run is stored, every write fails as on a full disk (ENOSPC shows when data reaches it)."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if list(root.glob("*/*/result.json")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_write_failure_stops_the_grid_with_one_error_and_keeps_completed_runs(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _full_disk_after_first_run(monkeypatch, tmp_path)
    with pytest.raises(RunnerError) as info:
        run_suite(make_suite(sl={}), tmp_path)
    second = run_dir(tmp_path, "fake", fake.calls[1].run_id)
    assert str(info.value) == (
        f"cannot write to {second}: No space left on device; free some space or choose another "
        "--results-dir; every completed run is kept: rerun the same command to resume"
    )
    assert len(fake.calls) == 2  # the disk does not heal by itself: the third run never trained
    assert [p.parent.name for p in tmp_path.glob("*/*/result.json")] == [fake.calls[0].run_id]
    assert list(tmp_path.rglob("*.tmp")) == []


def test_only_tells_a_name_not_in_this_grid_from_an_unknown_one(tmp_path: Path) -> None:
    suite = make_suite(sl={}, talos={})
    with pytest.raises(
        SuiteError, match=r"--only loss=bpr: loss 'bpr' is not in this grid; \[grid\] losses: sl, talos"
    ):
        run_suite(suite, tmp_path, only=["loss=bpr"])
    with pytest.raises(
        SuiteError, match=r"--only backbone=lightgcn: backbone 'lightgcn' is not in this grid"
    ):
        run_suite(suite, tmp_path, only=["backbone=lightgcn"])
    with pytest.raises(SuiteError, match=r"unknown loss 'tallos'\. Did you mean 'talos'\?"):
        run_suite(suite, tmp_path, only=["loss=tallos"])


def _read_only(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Creating a file under ``root`` fails with EROFS (tests run as root, which ignores chmod)."""
    real_open = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and root in Path(path).parents:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)


@pytest.mark.parametrize("problem", ["read-only", "a file in the way", "a name too long"])
def test_an_unwritable_results_folder_stops_the_grid_before_any_run(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    root = tmp_path / "runs"
    if problem == "read-only":
        _read_only(monkeypatch, root)
        reason, advice = "Read-only file system", "choose another --results-dir"
    elif problem == "a file in the way":
        root.write_text("a file where the results folder should be")
        reason, advice = "Not a directory", "choose another --results-dir"
    else:
        root = tmp_path / ("x" * 300)  # one folder name over the file system's 255 bytes
        reason, advice = "File name too long", "choose a shorter --results-dir"
    message = f"cannot write to {root / 'fake'}: {reason}; {advice}"
    with pytest.raises(ResultsWriteError, match=re.escape(message)):
        run_suite(make_suite(sl={}), root)
    assert fake.calls == []
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p != root] == []


def test_a_missing_device_stops_the_grid_before_any_run(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="device 'cuda' was requested but CUDA is not available here"):
        run_suite(make_suite(sl={}), tmp_path / "runs", device="cuda")
    assert fake.calls == [] and not (tmp_path / "runs").exists()


def test_plan_records_the_whole_suite_with_the_chosen_points_finals(fake: Fake, tmp_path: Path) -> None:
    suite = make_suite(sl={}, talos={"tau": TAUS})
    sl, talos = build_plan(suite)
    assert read_plan(tmp_path / "fake") is None
    run_suite(suite, tmp_path, only=["loss=talos"])
    chosen = next(p for p in talos.points if p.as_dict() == {"tau": 0.2})
    runs = [job.run_id for job in sl.finals() + talos.trials() + talos.finals(chosen)]
    # sl is in the plan though --only left it out; finals at the points not chosen are not.
    assert read_plan(tmp_path / "fake")["runs"] == runs == current_runs(suite, tmp_path)
    # The suite's [eval], which its report shows.
    evaluation = {"metrics": list(suite.eval.metrics), "ks": list(suite.eval.ks)}
    assert read_plan(tmp_path / "fake")["eval"] == evaluation
    # Every cell and the seeds, --only or not: what the report expects of cells with no final run yet.
    assert read_plan(tmp_path / "fake")["cells"] == [plan.cell.key() for plan in (sl, talos)]
    assert read_plan(tmp_path / "fake")["seeds"] == list(suite.seeds)
    assert current_runs(suite, tmp_path / "empty") == [job.run_id for job in sl.finals() + talos.trials()]


def test_a_damaged_trial_is_reported_once_and_trained_again(fake: Fake, tmp_path: Path) -> None:
    suite = make_suite(talos={"tau": TAUS})
    run_suite(suite, tmp_path)
    victim = fake.calls[0]
    directory = run_dir(tmp_path, "fake", victim.run_id)
    (directory / "per_user.parquet").write_bytes(b"PAR1")
    problem = f"{directory}: per_user.parquet cannot be read ("
    seen: list[tuple[str, str]] = []
    [status] = describe(suite, tmp_path, on_damaged=lambda job, error: seen.append((job.run_id, str(error))))
    assert status.done == 3 and status.point is None  # 3 of 4 trials: no point, so no finals count
    assert len(seen) == 1 and seen[0][0] == victim.run_id and seen[0][1].startswith(problem)

    class Spy(Listener):
        def damaged(self, job, problem) -> None:  # type: ignore[no-untyped-def]
            seen.append((job.run_id, problem))

    seen.clear()
    fake.calls.clear()
    summary = run_suite(suite, tmp_path, listener=Spy())
    assert [c.run_id for c in fake.calls] == [victim.run_id] and summary.ran == 1 and summary.reused == 6
    assert len(seen) == 1 and seen[0][0] == victim.run_id and seen[0][1].startswith(problem)
    assert read_run(directory) is not None


@pytest.mark.parametrize("hostile", ["..", "../escape", "", "a/b", "/abs"])
def test_results_paths_refuse_names_that_leave_the_results_directory(tmp_path: Path, hostile: str) -> None:
    from talosbench.paths import UnsafePathError
    from talosbench.results import suite_dir

    with pytest.raises(UnsafePathError):
        suite_dir(tmp_path, hostile)
    with pytest.raises(UnsafePathError):
        run_dir(tmp_path, "fake", hostile)


def test_every_path_a_grid_writes_or_removes_lies_inside_the_results_directory(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from talosbench.data import store

    root = tmp_path / "runs"
    touched: list[tuple[str, str]] = []
    real_open, real_replace, real_unlink = os.open, os.replace, Path.unlink
    real_mkdir, real_rmtree, real_builtin_open = Path.mkdir, shutil.rmtree, open

    def spy_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            touched.append(("create", str(path)))
        return real_open(path, flags, *args, **kwargs)

    def spy_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        touched.extend([("replace", str(src)), ("replace", str(dst))])
        real_replace(src, dst, *args, **kwargs)

    def spy_unlink(self: Path, *args: Any, **kwargs: Any) -> None:
        touched.append(("unlink", str(self)))
        real_unlink(self, *args, **kwargs)

    def spy_mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        touched.append(("mkdir", str(self)))
        real_mkdir(self, *args, **kwargs)

    def spy_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        touched.append(("rmtree", str(path)))
        real_rmtree(path, *args, **kwargs)

    def spy_lock_open(path: Any, *args: Any, **kwargs: Any) -> Any:  # file_lock's open()
        touched.append(("lock", str(path)))
        return real_builtin_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "replace", spy_replace)
    monkeypatch.setattr(Path, "unlink", spy_unlink)
    monkeypatch.setattr(Path, "mkdir", spy_mkdir)
    monkeypatch.setattr(shutil, "rmtree", spy_rmtree)
    monkeypatch.setattr(store, "open", spy_lock_open, raising=False)
    suite = make_suite(sl={}, talos={"tau": TAUS})
    run_suite(suite, root)
    run_suite(suite, root, force=True)  # a forced rerun removes and rewrites every run's files
    base = Path(os.path.realpath(root))
    kinds = {kind for kind, _ in touched}
    assert {"create", "replace", "unlink", "mkdir", "lock"} <= kinds  # the spies saw the writes
    outside = [
        (kind, p)
        for kind, p in touched
        if not (Path(os.path.realpath(p)) == base and kind == "mkdir")
        and base not in Path(os.path.realpath(p)).parents
    ]
    assert outside == []


class TwoStageFake(Fake):
    """Validation prefers tau near 0.2, then tau2 near 0.3; ``stop_at`` second-stage trainings end the run."""

    def __init__(self, stop_at: int | None = None) -> None:
        super().__init__()
        self.stop_at = stop_at

    def __call__(self, config: RunConfig, **kwargs: Any) -> RunResult:
        tau2 = config.loss_params.get("tau2", 0.05)
        if self.stop_at is not None and config.seed == 0 and tau2 != 0.05:
            if self.stop_at == 0:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the second stage
            self.stop_at -= 1
        result = super().__call__(config, **kwargs)
        result.best_valid["precision@20"] -= 0.01 * abs(tau2 - 0.3)
        return result


def two_stage_suite():  # type: ignore[no-untyped-def]
    data = {
        "suite": {"name": "fake", "seeds": [1, 2], "budget": 3, "extra_budget": 3},
        "train": {"epochs": 2},
        "grid": {"datasets": ["synthetic"], "losses": ["sl", "bsl"]},
        "losses": {
            "sl": {"tau": TAUS, "lr": [0.1, 0.01]},
            "bsl": {"tau": TAUS, "lr": [0.1, 0.01], "tau2": TAUS},
        },
    }
    return parse_suite(data, "f.toml")


def test_a_two_stage_grid_resumes_after_an_interrupt_and_trains_what_an_uninterrupted_one_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    whole = install(monkeypatch, TwoStageFake())
    summary = run_suite(two_stage_suite(), tmp_path / "whole")
    assert summary.failed == [] and summary.total == (3 + 2) + (3 + 3 + 2) and summary.ran == summary.total
    expected = [(c.run_id, c.seed) for c in whole.calls]
    bsl = collect(tmp_path / "whole").filter(pl.col("loss") == "bsl")
    trials = bsl.filter(pl.col("role") == "trial")
    assert sorted(trials["tuning_stage"].to_list()) == [1, 1, 1, 2, 2, 2]
    finals = bsl.filter(pl.col("role") == "final")
    assert set(finals["point.tau"]) == {0.2} and set(finals["point.tau2"]) == {0.3}  # both stages' best
    assert set(finals["tuning_stage"]) == {2}

    interrupted = install(monkeypatch, TwoStageFake(stop_at=1))
    with pytest.raises(KeyboardInterrupt):
        run_suite(two_stage_suite(), tmp_path / "cut")
    stored = {c.run_id for c in interrupted.calls}  # the interrupted training is not among them
    plan = set(read_plan(tmp_path / "cut" / "fake")["runs"])  # type: ignore[index]
    assert stored < plan and len(stored) < summary.total  # the second stage joins the plan as it trains
    resumed = install(monkeypatch, TwoStageFake())
    again = run_suite(two_stage_suite(), tmp_path / "cut")
    assert again.reused == len(stored) and again.ran == summary.total - len(stored)
    assert not stored & {c.run_id for c in resumed.calls}  # nothing stored trains again
    assert sorted((c.run_id, c.seed) for c in interrupted.calls + resumed.calls) == sorted(expected)
    runs = [read_plan(tmp_path / name / "fake")["runs"] for name in ("cut", "whole")]  # type: ignore[index]
    assert sorted(runs[0]) == sorted(runs[1])


def test_the_tuning_table_shows_both_stages_each_dimension_s_coverage_and_the_chosen_stage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from talosbench.report.table import DASH
    from talosbench.report.tuning import tuning_table

    install(monkeypatch, TwoStageFake())
    run_suite(two_stage_suite(), tmp_path)
    table = tuning_table(collect(tmp_path), "precision@20", "sl")
    rows = {row[3].text: dict(zip(table.columns, (c.text for c in row), strict=True)) for row in table.rows}
    bsl, sl = rows["bsl"], rows["sl"]
    assert bsl["chosen"].endswith("tau2=0.3 (stage 2)") and "tau=0.2" in bsl["chosen"]
    assert (bsl["stage 1"], bsl["stage 2"], bsl["points tried"]) == ("3", "3", "6")
    assert bsl["values tried"] == "lr 2/2, tau 3/4, tau2 4/4" and bsl["coverage"] == "6/32 (19 %)"
    assert (sl["stage 1"], sl["stage 2"], sl["values tried"]) == ("3", DASH, "lr 2/2, tau 3/4")
    assert "Stage 1: points of the shared dimensions" in table.footer[0]
    stages = sorted(
        (r["loss"], r["metric"], r["value"]) for r in table.records if r["metric"].startswith("stage_")
    )
    assert stages == [("bsl", "stage_1_trials", 3), ("bsl", "stage_2_trials", 3)]
