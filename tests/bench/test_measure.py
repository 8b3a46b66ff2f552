"""`talosbench bench` at a tiny scale, stored figures and run-time estimates, device selection."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from talosbench import bench, threads
from talosbench.bench import BenchResult, estimate_run_seconds, save_results
from talosbench.bench.cost import _row_work
from talosbench.cli import app
from talosbench.device import resolve_device

runner = CliRunner()
FIELDS = ("train_seconds_per_epoch", "eval_seconds", "rows_per_second", "host_peak_bytes", "n_train_rows")


def test_bench_json_at_tiny_scale(tmp_path: Path) -> None:
    args = [
        "bench",
        "--scale",
        "tiny",
        "--loss",
        "talos",
        "--loss",
        "bpr",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--json",
        "--data-dir",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["backbone"], r["loss"]) for r in rows] == [("mf", "talos"), ("mf", "bpr")]
    for row in rows:
        assert all(row[name] > 0 for name in FIELDS), row
        assert row["device"] == "cpu" and row["device_peak_bytes"] is None and row["threads"] == 1
        assert row["n_users"] == bench.SCALES["tiny"].users and row["n_items"] == bench.SCALES["tiny"].items
        assert row["rows_per_second"] == pytest.approx(row["n_train_rows"] / row["train_seconds_per_epoch"])
    assert [r["negatives"] for r in rows] == [1024, 1]
    stored = json.loads((tmp_path / "bench.json").read_text())
    assert set(stored) == {"cpu|mf|talos|tiny", "cpu|mf|bpr|tiny"}
    # The runner's estimate comes straight from these figures.
    talos = rows[0]
    estimate = estimate_run_seconds(
        talos["n_train_rows"],
        talos["n_items"],
        "mf",
        "talos",
        None,
        2,
        "cpu",
        data_dir=tmp_path,
        n_users=talos["n_users"],
    )
    assert estimate == pytest.approx(2 * talos["train_seconds_per_epoch"])


def test_rounds_go_round_robin_and_pool_every_timed_epoch(tmp_path: Path) -> None:
    seen: list[str] = []
    results = bench.run_bench(
        "tiny",
        None,
        ["mf"],
        ["talos", "bpr"],
        torch.device("cpu"),
        epochs=2,
        rounds=2,
        data_dir=tmp_path,
        on_result=lambda r: seen.append(r.loss),
    )
    assert seen == ["talos", "bpr", "talos", "bpr"]
    for r in results:
        assert r.rounds == 2 and r.epochs == 4 and len(r.epoch_seconds) == 4 and len(r.eval_seconds_all) == 6
        assert r.train_seconds_per_epoch == pytest.approx(statistics.median(r.epoch_seconds))
        assert r.eval_seconds == pytest.approx(statistics.median(r.eval_seconds_all))


def test_pooled_rounds_take_medians_over_all_epochs_and_the_largest_peak() -> None:
    first = replace(fabricated(8_000, 1.0), epoch_seconds=[1.0, 9.0], eval_seconds_all=[0.2])
    second = replace(fabricated(8_000, 2.0), epoch_seconds=[2.0, 3.0], eval_seconds_all=[0.4])
    first.host_peak_bytes, second.host_peak_bytes = 5.0, 3.0
    pooled = bench.pool_rounds([first, second])
    assert pooled.train_seconds_per_epoch == 2.5 and pooled.eval_seconds == pytest.approx(0.3)
    assert pooled.rows_per_second == pytest.approx(1000 / 2.5)
    assert pooled.host_peak_bytes == 5.0 and pooled.rounds == 2 and pooled.epochs == 4


def test_bench_table_is_the_default_output(tmp_path: Path) -> None:
    args = [
        "bench",
        "--scale",
        "tiny",
        "--loss",
        "sl",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--data-dir",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "s/epoch" in result.stdout and "mf" in result.stdout and "load average" in result.stdout


def test_bench_takes_the_cpus_this_process_may_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 1)  # as under `taskset -c 0`
    before = torch.get_num_threads()
    args = ["bench", "--scale", "tiny", "--loss", "sl", "--epochs", "1", "--device", "cpu", "--json"]
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [r["threads"] for r in json.loads(result.stdout)] == [1]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "unknown scale 'huge'"),
        (["--scale", "tiny", "--dataset", "synthetic"], "not both"),
        (["--scale", "tiny", "--loss", "tals"], "Did you mean 'talos'"),
        (["--scale", "tiny", "--epochs", "0"], "at least 1"),
        (["--scale", "tiny", "--rounds", "0"], "--rounds must be at least 1"),
    ],
)
def test_bad_requests_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["bench", *args, "--device", "cpu", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "bench.json").exists()


def test_cuda_without_cuda_is_a_clear_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = runner.invoke(app, ["bench", "--scale", "tiny", "--device", "cuda", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "CUDA is not available" in result.output and "--device cpu" in result.output


def test_auto_picks_cpu_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("CPU") == torch.device("cpu")


def fabricated(n_items: int, seconds: float, rows: int = 1000, negatives: int = 1024) -> BenchResult:
    return BenchResult(
        scale=f"s{n_items}",
        backbone="mf",
        loss="sl",
        device="cpu",
        negatives=negatives,
        n_users=100,
        n_items=n_items,
        n_train_rows=rows,
        epochs=3,
        train_seconds_per_epoch=seconds,
        eval_seconds=0.1,
        rows_per_second=rows / seconds,
        host_peak_bytes=1e8,
        device_peak_bytes=None,
        threads=2,
    )


def test_estimate_scales_linearly_from_the_nearest_catalogue_size(tmp_path: Path) -> None:
    save_results([fabricated(8_000, 2.0), fabricated(40_000, 30.0)], tmp_path)

    def estimate(rows: int, items: int, negatives: int | None = None, epochs: int = 1) -> float | None:
        return estimate_run_seconds(rows, items, "mf", "sl", negatives, epochs, "cpu", data_dir=tmp_path)

    assert estimate(1000, 8_000) == pytest.approx(2.0)
    assert estimate(3000, 8_000, epochs=10) == pytest.approx(60.0)  # linear in rows and epochs
    # per-row work on CPU (the sparse path): 16 units per negative plus a quarter per catalogue item;
    # the references sampled 1024 negatives; BPR's single negative takes the gather path (64 columns)
    negs = 16 * 1024
    assert estimate(1000, 16_000) == pytest.approx(2.0 * (negs + 4_000) / (negs + 2_000))
    assert estimate(1000, 36_000) == pytest.approx(30.0 * (negs + 9_000) / (negs + 10_000))  # nearest: 40k
    assert estimate(1000, 40_000, negatives=1) == pytest.approx(30.0 * (64 + 8) / (negs + 10_000))
    assert estimate_run_seconds(1000, 8_000, "mf", "talos", None, 1, "cpu", data_dir=tmp_path) is None
    assert estimate_run_seconds(1000, 8_000, "mf", "nope", None, 1, "cpu", data_dir=tmp_path) is None


def test_row_work_follows_the_scoring_path_of_the_device() -> None:
    # accelerators score the whole catalogue up to N x d items, then gather N x d floats per row
    assert _row_work(8_000, 1024, "cuda") == 8_000 + 8 * 1024
    assert _row_work(100_000, 1024, "cuda") == 64 * 1024 + 8 * 1024
    # CPU: sampled columns only, so the catalogue enters through the per-batch table work alone
    assert _row_work(8_000, 1024, "cpu") == 16 * 1024 + 2_000
    assert _row_work(8_000, 1, "cpu") == 64 + 8


def test_estimate_without_bench_figures_or_device_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert estimate_run_seconds(1000, 8_000, "mf", "sl", None, 1, "cpu", data_dir=tmp_path) is None
    save_results([fabricated(8_000, 2.0)], tmp_path)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert estimate_run_seconds(1000, 8_000, "mf", "sl", None, 1, "cuda", data_dir=tmp_path) is None
    (tmp_path / "bench.json").write_text("not json")
    assert estimate_run_seconds(1000, 8_000, "mf", "sl", None, 1, "cpu", data_dir=tmp_path) is None


def test_adversarial_epochs_are_measured_apart_and_only_for_losses_that_run_them(tmp_path: Path) -> None:
    args = ["bench", "--scale", "tiny", "--loss", "advinfonce", "--loss", "sl", "--epochs", "2"]
    result = runner.invoke(app, [*args, "--device", "cpu", "--threads", "1", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    stored = json.loads((tmp_path / "bench.json").read_text())
    adv, sl = stored["cpu|mf|advinfonce|tiny"], stored["cpu|mf|sl|tiny"]
    assert len(adv["adversarial_seconds_all"]) == 2 and adv["adversarial_seconds"] > 0
    assert adv["adversarial_seconds"] == statistics.median(adv["adversarial_seconds_all"])
    assert sl["adversarial_seconds"] is None and sl["adversarial_seconds_all"] == []
    header, _, advinfonce, plain = (line.split() for line in result.stdout.splitlines()[:4])
    assert header[7:10] == ["s/epoch", "adv", "s/epoch"]  # the adversarial column beside the normal one
    assert advinfonce[1] == "advinfonce" and float(advinfonce[7]) == pytest.approx(
        adv["adversarial_seconds"], abs=1e-3
    )
    assert plain[1] == "sl" and plain[7] == "-"
