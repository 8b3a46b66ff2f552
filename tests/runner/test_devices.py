"""Local multi-GPU placement and the run command's executor options (pure logic; no GPU needed)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.config import RunConfig, RunResult
from talosbench.device import DeviceError
from talosbench.results import read_result, run_dir
from talosbench.runner import Context, Job, RunnerError, RunnerUsageError, check_options
from talosbench.runner.execute import record
from talosbench.runner.local import assign_devices, default_devices, parse_devices, sharing
from talosbench.runner.ray_executor import INSTALL, RayOptions, import_ray, runs_per_device
from talosbench.runner.records import Trained
from talosbench.suite.schema import Cell
from talosbench.threads import ThreadsError


def test_workers_are_pinned_round_robin_with_several_per_gpu() -> None:
    assert assign_devices(["cuda:0", "cuda:1"], 5) == ["cuda:0", "cuda:1", "cuda:0", "cuda:1", "cuda:0"]
    assert assign_devices(["cuda:1"], 3) == ["cuda:1"] * 3
    assert assign_devices(["cuda:0", "cuda:1", "cuda:2"], 2) == ["cuda:0", "cuda:1"]
    with pytest.raises(ValueError):
        assign_devices([], 2)


def test_each_worker_knows_how_many_workers_share_its_device() -> None:
    assert sharing(assign_devices(["cuda:0", "cuda:1"], 3)) == [("cuda:0", 2), ("cuda:1", 1), ("cuda:0", 2)]
    assert sharing(assign_devices(["cuda:0", "cuda:1"], 2)) == [("cuda:0", 1), ("cuda:1", 1)]


def test_ray_runs_share_a_gpu_by_their_fraction_and_a_node_by_its_cpus() -> None:
    nodes = [{"Alive": True, "Resources": {"CPU": 8.0}}, {"Alive": True, "Resources": {"CPU": 16.0}}]
    assert runs_per_device(1.0, 1.0, nodes) == 1
    assert runs_per_device(0.25, 1.0, nodes) == 4
    assert runs_per_device(0.1, 1.0, nodes) == 10  # not 9: 1 / 0.1 is 9.999...
    assert runs_per_device(0.0, 4.0, nodes) == 4  # CPU runs: as many as fit on the largest node
    assert runs_per_device(0.0, 2.0, []) == 1


def test_a_stored_run_records_how_many_runs_shared_its_device(tmp_path: Path) -> None:
    config = RunConfig(dataset="synthetic", loss="sl")
    job = Job(Cell("synthetic", "iid", "mf", "sl"), config, "final")
    result = RunResult(status="completed", device="cpu", test={"precision@20": 0.1})
    for shared in (1, 3):
        ctx = Context(tmp_path / str(shared), "tiny", shared_device=shared)
        record(ctx, job, Trained(result))
        stored = read_result(run_dir(ctx.results_dir, "tiny", config.run_id))
        assert stored is not None and stored["environment"]["shared_device"] == shared


def test_every_visible_gpu_is_the_default_only_when_the_device_lets_the_runner_choose() -> None:
    assert default_devices("auto", 3) == ["cuda:0", "cuda:1", "cuda:2"]
    assert default_devices("cuda", 2) == ["cuda:0", "cuda:1"]
    assert default_devices("auto", 1) is None  # one GPU: nothing to spread over
    assert default_devices("cpu", 4) is None
    assert default_devices("cuda:1", 4) is None  # an explicit GPU is the user's choice


def test_devices_are_parsed_and_bad_ones_named() -> None:
    assert parse_devices(" cuda:0, cuda:1 ,cpu") == ["cuda:0", "cuda:1", "cpu"]
    with pytest.raises(RunnerError, match=r"got 'gpu0'.*e\.g\. --devices cuda:0,cuda:1"):
        parse_devices("cuda:0,gpu0")
    with pytest.raises(RunnerError, match="got nothing"):
        parse_devices(",")


def test_a_missing_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail as when it is absent
    with pytest.raises(RunnerError, match="--executor ray needs Ray") as info:
        import_ray()
    assert INSTALL in str(info.value) and "talosbench[ray]" in INSTALL


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["run", "dry-run"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ray-address", "auto"], "error: --ray-address need --executor ray"),
        (
            ["--gpus-per-run", "0.5", "--max-retries", "1"],
            "error: --gpus-per-run, --max-retries need --executor ray",
        ),
        (
            ["--executor", "ray", "--devices", "cuda:0"],
            "error: --devices pins local workers; with --executor ray, Ray places runs on GPUs",
        ),
        (["--executor", "spark"], "'spark' is not one of 'local', 'ray'"),  # typer's own message
        (["--devices", "gpu0"], "error: --devices: got 'gpu0'"),
        (["--device", "gpu"], "error: unknown device 'gpu'; valid: auto, cpu, cuda, cuda:N"),
        (["--executor", "ray", "--device", "gpu"], "error: unknown device 'gpu'"),
        (["--executor", "ray", "--threads", "2"], "error: --threads sets the threads of local runs"),
        (["--threads", "0"], "Invalid value for '--threads'"),  # typer's own message
    ],
)
def test_run_rejects_options_that_do_not_fit_the_executor(
    tmp_path: Path, args: list[str], message: str, dry_run: list[str]
) -> None:
    # The runner checks these (runner.check_options) before anything is read or written; the CLI
    # only reports them, for a dry run as for a run.
    suite = Path(__file__).resolve().parents[2] / "suites" / "quick.toml"
    result = CliRunner().invoke(app, ["run", str(suite), "--results-dir", str(tmp_path), *args, *dry_run])
    output = " ".join(result.output.replace("│", " ").split())  # typer frames its own messages
    assert result.exit_code == 2 and message in output
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []  # nothing written


def test_check_options_refuses_what_does_not_fit_with_a_usage_error() -> None:
    local = RayOptions(max_retries=0)  # only the option that differs from its default is named
    cases: list[tuple[tuple[Any, ...], str]] = [
        (("spark", None, None, None), "unknown executor 'spark'; choose local or ray"),
        (("local", None, None, local), "--max-retries need --executor ray"),
        (("ray", None, ["cuda:0"], None), "--devices pins local workers"),
        (("local", None, ["gpu0"], None), "--devices: got 'gpu0'"),
        (("ray", None, None, None, 2), "with --executor ray a run's torch threads are its --cpus-per-run"),
    ]
    for args, message in cases:
        with pytest.raises(RunnerUsageError, match=message) as info:
            check_options(*args)
        assert info.value.exit_code == 2
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        check_options("ray", "tpu", None, None)
    check_options("ray", "cuda:3", None, RayOptions(gpus_per_run=0.5))  # fine: Ray places runs itself
    with pytest.raises(ThreadsError, match="--threads must be 1 or more, got 0") as info:
        check_options("local", None, None, None, 0)  # the library's callers have no typer to check it
    assert info.value.exit_code == 2


def test_check_options_refuses_the_ray_executor_without_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as when Ray is not installed
    with pytest.raises(RunnerUsageError, match="--executor ray needs Ray, which is not installed") as info:
        check_options("ray", None, None, None)
    assert INSTALL in str(info.value) and info.value.exit_code == 2
    check_options("local", None, None, None)  # the local executor never needs it


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["run", "dry-run"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "ray"], "error: --executor ray needs Ray, which is not installed"),
        (["--devices", "cuda:0", "--jobs", "2"], "error: device 'cuda:0' was requested but CUDA is not"),
    ],
    ids=["ray-missing", "devices-without-cuda"],
)
def test_run_fails_once_before_the_plan_on_what_this_machine_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str, dry_run: list[str]
) -> None:
    import torch

    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    suite = Path(__file__).resolve().parents[2] / "suites" / "quick.toml"
    argv = ["run", str(suite), "--results-dir", str(tmp_path / "r"), "--data-dir", str(tmp_path / "d")]
    result = CliRunner().invoke(app, [*argv, *args, *dry_run])
    if dry_run and "cuda" in message:  # a dry run plans for another machine: it checks the form only
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert result.output.count(message) == 1 and "planned" not in result.output
    assert "dataset" not in result.output  # no plan table printed
    assert list(tmp_path.iterdir()) == []  # nothing read, generated or written
