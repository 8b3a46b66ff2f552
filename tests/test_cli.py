"""The training-engine commands: losses, backbones, train."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from talosbench import __version__
from talosbench.backbones import BACKBONES
from talosbench.cli import app
from talosbench.declared.losses import listing_order

runner = CliRunner()
TINY = [
    "--dataset",
    "synthetic",
    "--negatives",
    "16",
    "--epochs",
    "2",
    "--eval-every",
    "1",
    "--device",
    "cpu",
]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"talosbench {__version__}"


def test_losses_lists_every_loss_in_spec_order_with_its_parameters() -> None:
    result = runner.invoke(app, ["losses"])
    assert result.exit_code == 0
    first_column = [
        line.split()[0] for line in result.stdout.splitlines()[2:] if line and not line[0].isspace()
    ]
    assert first_column == listing_order()  # docs/protocol.md §2 order: tests/losses/test_registry.py
    assert "lr2" in result.output and "0.05, 0.1, 0.15, 0.2, 0.25, 0.3" in result.output


def test_backbones_lists_every_backbone() -> None:
    result = runner.invoke(app, ["backbones"])
    assert result.exit_code == 0
    for name in BACKBONES.names():
        assert name in result.output


def test_train_prints_test_metrics(tmp_path: Path) -> None:
    args = [
        "train",
        *TINY,
        "--loss",
        "talos",
        "--set",
        "tau=0.2",
        "--data-dir",
        str(tmp_path),
        "--results-dir",
        str(tmp_path / "runs"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "status: completed" in result.output
    for metric in ("precision@20", "recall@20", "ndcg@20", "mrr@20", "hit@20", "threshold_error"):
        assert metric in result.output


def test_train_unknown_loss_suggests_the_closest_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", *TINY, "--loss", "tallos", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown loss 'tallos'" in result.output and "Did you mean 'talos'" in result.output


def test_train_bad_hyper_parameter_names_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", *TINY, "--set", "temperature=0.1", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "temperature" in result.output and "tau" in result.output
    malformed = runner.invoke(app, ["train", *TINY, "--set", "tau", "--data-dir", str(tmp_path)])
    assert malformed.exit_code == 2 and "KEY=VALUE" in malformed.output


def test_train_rejects_non_finite_numbers_before_training(tmp_path: Path) -> None:
    for option, expected in (
        (["--lr", "nan"], "error: lr must be a finite number, got nan"),
        (["--weight-decay", "inf"], "error: weight_decay must be a finite number, got inf"),
        (["--set", "tau=nan"], "error: loss talos: tau must be a finite number, got nan"),
    ):
        result = runner.invoke(app, ["train", *TINY, *option, "--data-dir", str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert expected in result.output
        assert ": valid precision@20" not in result.output and "status:" not in result.output  # no epoch ran
