"""Real training through the runner and the CLI, on tiny synthetic data (seconds per test)."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import torch
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.store import file_lock
from talosbench.results import collect
from talosbench.results.read import read_config
from talosbench.runner import run_suite
from talosbench.runner.lock import LOCK_FILE
from talosbench.suite import load_suite
from talosbench.threads import thread_count


def metrics(results: Path) -> dict[str, dict[str, float]]:
    frame = collect(results).sort("run_id")
    tests = [c for c in frame.columns if c.startswith("test_")]
    return {row["run_id"]: {c: row[c] for c in tests} for row in frame.iter_rows(named=True)}


@pytest.mark.slow  # two spawned workers import torch: ~15 s on 2 cores
def test_jobs_two_gives_the_same_metrics_as_jobs_one(tmp_path: Path, tiny_suite: Callable[..., Path]) -> None:
    suite = load_suite(tiny_suite(3))
    data = tmp_path / "data"
    one = run_suite(suite, tmp_path / "one", jobs=1, data_dir=data)
    two = run_suite(suite, tmp_path / "two", jobs=2, data_dir=data)
    assert one.failed == two.failed == [] and one.ran == two.ran == 6
    first, second = metrics(tmp_path / "one"), metrics(tmp_path / "two")
    assert len(first) == 6 and first == second
    assert all(v["test_precision@20"] > 0 for v in first.values())
    # The two workers shared the CPU, so their timings are flagged; the serial runs had it alone.
    assert set(collect(tmp_path / "one")["shared_device"]) == {1}
    assert set(collect(tmp_path / "two")["shared_device"]) == {2}
    # Each worker trained with its share of the CPUs, as its own torch reported it.
    assert set(collect(tmp_path / "one")["threads"]) == {thread_count(workers=1)}
    assert set(collect(tmp_path / "two")["threads"]) == {thread_count(workers=2)}


def test_threads_reach_the_runs_and_are_recorded(tmp_path: Path, tiny_suite: Callable[..., Path]) -> None:
    before = torch.get_num_threads()
    suite = load_suite(tiny_suite(1))
    summary = run_suite(suite, tmp_path / "r", data_dir=tmp_path / "data", only=["loss=sl"], threads=1)
    assert summary.ran == 2
    assert set(collect(tmp_path / "r")["threads"]) == {1}
    assert torch.get_num_threads() == before  # the caller's count comes back after the grid


def test_a_diverging_run_is_recorded_and_the_grid_goes_on(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    suite_file = tiny_suite(3, lambda text: text.replace("[losses.bpr]", "[losses.bpr]\nlr = [0.01, 1e30]"))
    summary = run_suite(load_suite(suite_file), tmp_path / "r", data_dir=tmp_path / "data")
    frame = collect(tmp_path / "r")
    bpr = frame.filter(pl.col("loss") == "bpr")
    assert sorted(bpr.filter(pl.col("role") == "trial")["status"]) == ["completed", "diverged"]
    assert bpr.filter(pl.col("role") == "final")["status"].to_list() == ["completed"] * 2
    assert [o.status for _, o in summary.failed] == ["diverged"]
    assert frame.filter(pl.col("loss") != "bpr")["status"].to_list() == ["completed"] * 4


def test_cli_resumes_after_a_kill_without_redoing_completed_runs(
    kill_mid_grid_and_rerun: Callable[..., tuple[int, str]],
) -> None:
    kill_mid_grid_and_rerun()


RESUME = "completed runs are kept, rerun the same command to resume"


@pytest.mark.slow  # two spawned workers import torch, twice: ~20 s on 2 cores
def test_sigterm_stops_the_workers_like_ctrl_c_and_the_rerun_resumes(
    kill_mid_grid_and_rerun: Callable[..., tuple[int, str]],
) -> None:
    status, stderr = kill_mid_grid_and_rerun(["--jobs", "2"], signum=signal.SIGTERM, group=False)
    assert status == 143, stderr
    assert "stopped by SIGTERM after " in stderr and RESUME in stderr
    assert "Traceback" not in stderr


@pytest.mark.slow  # two spawned workers import torch, twice: ~20 s on 2 cores
def test_workers_end_when_their_runner_is_killed_outright(
    kill_mid_grid_and_rerun: Callable[..., tuple[int, str]],
) -> None:
    status, _ = kill_mid_grid_and_rerun(["--jobs", "2"], signum=signal.SIGKILL, group=False)
    assert status == -signal.SIGKILL  # no handler ran: the workers noticed on their own


def test_sighup_stops_a_serial_grid_like_ctrl_c(
    kill_mid_grid_and_rerun: Callable[..., tuple[int, str]],
) -> None:
    status, stderr = kill_mid_grid_and_rerun(signum=signal.SIGHUP, group=False)
    assert status == 129, stderr
    assert "stopped by SIGHUP after " in stderr and RESUME in stderr


def test_a_second_runner_on_the_same_results_is_refused_before_training(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    results = tmp_path / "r"
    args = ["run", str(tiny_suite(2)), "--results-dir", str(results), "--data-dir", str(tmp_path / "d")]
    with file_lock(results / "tiny" / LOCK_FILE, wait=False):  # as the first runner holds it
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert (
        f"error: another talosbench run (pid {os.getpid()}) is already writing suite 'tiny' into "
        f"{results / 'tiny'}; wait for it to end, or stop it and rerun this command to resume"
    ) in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in results.joinpath("tiny").iterdir()) == []  # nothing trained, no lock left
    assert not (tmp_path / "d").exists()  # not even the data was prepared


def test_cli_exit_codes(tmp_path: Path, tiny_suite: Callable[..., Path]) -> None:
    runner = CliRunner()
    bad = tiny_suite(3, lambda text: text.replace('"talos"]', '"tals"]'))
    result = runner.invoke(app, ["run", str(bad), "--results-dir", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "unknown loss 'tals'. Did you mean 'talos'?" in result.output
    good = tiny_suite(2, lambda text: text.replace("[losses.bpr]", "[losses.bpr]\nlr = 1e30"))
    args = ["run", str(good), "--results-dir", str(tmp_path / "r"), "--data-dir", str(tmp_path / "d")]
    args.append("--quiet")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "6 runs: 4 trained, 0 already complete, 2 failed" in result.output  # a diverged run is no result
    assert "failed: synthetic/iid/mf/bpr seed 1: diverged" in result.output
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "6 runs (0 tuning trials" in dry.output and "6 complete" in dry.output


def test_cli_device_without_cuda_fails_once_before_any_run(
    tmp_path: Path, tiny_suite: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    results = tmp_path / "r"
    args = ["run", str(tiny_suite(2)), "--device", "cuda", "--results-dir", str(results), "--quiet"]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2, result.output
    message = "error: device 'cuda' was requested but CUDA is not available here; use --device cpu or auto"
    assert result.output.count(message) == 1
    assert "trained" not in result.output and not results.exists()


def test_cli_full_disk_mid_grid_stops_with_one_message_and_keeps_the_stored_run(
    tmp_path: Path, tiny_suite: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "r"
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the disk fills up once the first run is stored
        if list(results.glob("tiny/*/result.json")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    args = ["run", str(tiny_suite(2)), "--results-dir", str(results), "--data-dir", str(tmp_path / "d")]
    result = CliRunner().invoke(app, [*args, "--quiet"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert result.output.count("error: cannot write to ") == 1
    assert (
        "No space left on device; free some space or choose another --results-dir; every completed run "
        "is kept: rerun the same command to resume" in result.output
    )
    assert len(list(results.glob("tiny/*/result.json"))) == 1 and list(results.rglob("*.tmp")) == []


def test_cli_runs_a_grid_over_an_imported_split_folder(tmp_path: Path) -> None:
    from talosbench.data import import_file

    folder, home = tmp_path / "published", tmp_path / "home"
    folder.mkdir()
    users = range(30)
    rows = (" ".join(str((u + j) % 20) for j in range(6)) for u in users)
    (folder / "train.txt").write_text("".join(f"{u} {row}\n" for u, row in zip(users, rows, strict=True)))
    (folder / "test.txt").write_text("".join(f"{u} {(u + 7) % 20}\n" for u in users))
    import_file(folder, "published", data_dir=home)
    suite = tmp_path / "s.toml"
    suite.write_text(
        '[suite]\nname = "pub"\nseeds = [1]\n[train]\nepochs = 1\ndim = 4\nnegatives = 4\ndevice = "cpu"\n'
        '[grid]\ndatasets = ["published"]\nscenarios = ["given"]\nbackbones = ["mf"]\nlosses = ["bpr"]\n'
    )
    args = ["run", str(suite), "--results-dir", str(tmp_path / "r"), "--data-dir", str(home), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert collect(tmp_path / "r")["status"].to_list() == ["completed"]


def test_run_records_start_up_and_compares_its_time_with_the_estimate_from_stored_runs(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    suite_file = str(tiny_suite(2))
    args = ["run", suite_file, "--results-dir", str(tmp_path / "r"), "--data-dir", str(tmp_path / "data")]
    first = CliRunner().invoke(app, [*args, "--only", "loss=sl"])
    assert first.exit_code == 0, first.output
    assert "estimated" not in first.stderr  # nothing stored, nothing benched: no estimate to compare
    frame = collect(tmp_path / "r")
    assert frame["prepare_seconds"].null_count() == 0 and (frame["prepare_seconds"] >= 0).all()
    dry = CliRunner().invoke(app, [*args, "--dry-run"])
    assert "estimated time of 4 run(s), one at a time: about " in dry.stdout
    assert dry.stdout.rstrip().endswith(", from 2 stored runs of this suite")
    rest = CliRunner().invoke(app, args)
    assert rest.exit_code == 0, rest.output
    summary = r"6 runs: 4 trained, 2 already complete, 0 failed, in \w+ \(estimated \w+\); results in "
    assert re.search(summary, rest.stderr), rest.stderr


def test_vary_split_trains_each_seed_on_its_own_split_and_records_it(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    text = tiny_suite(1, lambda t: t.replace("seeds = [1, 2]", "seeds = [1, 2]\nvary_split = true"))
    data = tmp_path / "data"
    summary = run_suite(load_suite(text), tmp_path / "r", data_dir=data, only=["loss=sl"])
    assert summary.ran == 2 and summary.failed == []
    configs = [json.loads(p.read_text()) for p in sorted((tmp_path / "r").glob("tiny/*/config.json"))]
    seeds = {c["seed"]: c["run_split_seed"] for c in configs}
    assert all(c["vary_split"] is True for c in configs) and len(set(seeds.values())) == 2
    # Each split was built and cached under its own seed, and the two differ.
    cached = {s: next(data.glob(f"synthetic/**/splits/iid-seed{v}.parquet")) for s, v in seeds.items()}
    assert not pl.read_parquet(cached[1]).equals(pl.read_parquet(cached[2]))
    splits = collect(tmp_path / "r")["split"].to_list()
    assert len(set(splits)) == 2  # the runs' diagnostics differ with their splits
    for folder in (tmp_path / "r" / "tiny").glob("*/config.json"):  # `evaluate` rebuilds the same run
        assert read_config(folder.parent).run_split_seed == seeds[read_config(folder.parent).seed]
