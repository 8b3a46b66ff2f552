"""`talosbench train` options come from the one settings schema, RunConfig."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.config import TRIAL_ONLY, RunConfig, RunResult
from talosbench.train import run as run_module

runner = CliRunner()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[RunConfig]:
    """Replace training by a recorder of the RunConfig the command built (stored under ``tmp_path``)."""
    monkeypatch.chdir(tmp_path)  # the run is stored in ./runs
    configs: list[RunConfig] = []

    def fake(config: RunConfig, **_: Any) -> RunResult:
        configs.append(config)
        return RunResult(status="completed", epochs=1, device="cpu", test={"precision@20": 0.1})

    monkeypatch.setattr(run_module, "train_split", lambda config, _split, **kw: fake(config, **kw))
    sizes = SimpleNamespace(n_users=1000, n_items=1000)  # what the settings' limits are checked against
    monkeypatch.setattr("talosbench.runner.execute.prepare_split", lambda *args, **kwargs: sizes)
    return configs


def test_every_run_setting_is_a_train_option() -> None:
    command = typer.main.get_command(app).commands["train"]  # type: ignore[attr-defined]
    flags = {flag for param in command.params for flag in param.opts}
    for spec in fields(RunConfig):
        if spec.metadata["scope"] == "params":
            continue
        flag = "--k" if spec.name == "ks" else "--" + spec.name.replace("_", "-")
        if spec.name in TRIAL_ONLY:  # a suite's tuning trials alone (the pruner): no single run has one
            assert flag not in flags
            continue
        assert flag in flags, f"{spec.name} has no option {flag}"


def test_options_reach_the_run_config_with_the_schema_defaults(captured: list[RunConfig]) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "--no-recommended",
            "--dim",
            "8",
            "--k",
            "10",
            "--k",
            "20",
            "--no-normalize",
            "--scenario",
            "temporal",
            "--set",
            "tau=0.2",
        ],
    )
    assert result.exit_code == 0, result.output
    [config] = captured
    assert (config.dim, config.ks, config.normalize, config.scenario) == (8, (10, 20), False, "temporal")
    assert config.loss_params == {"tau": 0.2}
    untouched = RunConfig(dim=8, ks=(10, 20), normalize=False, scenario="temporal", loss_params={"tau": 0.2})
    assert config == untouched  # every other option defaults to the field's own default


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--epochs", "0"], "epochs must be >= 1, got 0"),
        (["--k", "0"], "ks must be >= 1, got 0"),
        (["--valid-metric", "precision"], "valid_metric must look like 'precision@20'"),
        (["--device", "gpu"], "device must be auto, cpu, cuda or cuda:N"),
    ],
)
def test_a_bad_setting_is_refused_before_training(
    captured: list[RunConfig], option: list[str], message: str
) -> None:
    result = runner.invoke(app, ["train", *option])
    assert result.exit_code == 2 and message in result.output and captured == []


def test_train_takes_the_datasets_recommended_settings_for_options_left_unset(
    captured: list[RunConfig],
) -> None:
    # Issue 14 point 3: with the run defaults a first `train` on synthetic learned almost nothing.
    result = runner.invoke(app, ["train", "--loss", "sl"])
    assert result.exit_code == 0, result.output
    [config] = captured
    assert (config.lr, config.epochs, config.eval_every, config.patience) == (0.1, 40, 2, 3)
    assert config == RunConfig(loss="sl", lr=0.1, epochs=40, eval_every=2, patience=3)
    assert "settings recommended for synthetic: lr=0.1, epochs=40, eval_every=2, patience=3" in result.output
    assert "  lr=0.1        within the paper's protocol: the paper tunes lr over" in result.output
    assert "  epochs=40     departs from the paper's protocol: " in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_an_option_given_wins_over_the_recommendation_even_at_its_default(captured: list[RunConfig]) -> None:
    result = runner.invoke(app, ["train", "--lr", "0.001", "--epochs", "7"])  # 0.001 is lr's default
    assert result.exit_code == 0, result.output
    [config] = captured
    assert (config.lr, config.epochs, config.eval_every, config.patience) == (0.001, 7, 2, 3)
    assert "settings recommended for synthetic: eval_every=2, patience=3\n" in result.output
    assert "lr=0.1" not in result.output


def test_no_recommended_keeps_the_run_defaults(captured: list[RunConfig]) -> None:
    result = runner.invoke(app, ["train", "--no-recommended"])
    assert result.exit_code == 0, result.output
    assert captured == [RunConfig()]
    assert "recommended" not in result.output
    assert runner.invoke(app, ["train", "--dataset", "gowalla"]).exit_code == 0  # recommends nothing
    assert captured[1] == RunConfig(dataset="gowalla")
