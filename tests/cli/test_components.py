"""``talosbench losses`` and ``talosbench backbones``: listings within 100 columns, one in full, JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from talosbench.backbones import BACKBONES
from talosbench.cli import app
from talosbench.declared.losses import listing_order
from talosbench.losses import LOSSES

runner = CliRunner()
WIDTH = 100
"""Columns a listing may take (issue 14: a common terminal width)."""


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", ["losses", "backbones"])
def test_listings_fit_100_columns(command: str) -> None:
    lines = _ok(command).splitlines()
    assert max(map(len, lines)) <= WIDTH, max(lines, key=len)


def test_losses_json_has_every_loss_with_its_declared_parameters_and_traits() -> None:
    items = json.loads(_ok("losses", "--json"))
    assert [item["name"] for item in items] == listing_order()
    for item in items:
        record = LOSSES.get(item["name"]).declared
        assert [p["name"] for p in item["parameters"]] == [p.name for p in record.hparams]
        for shown, declared in zip(item["parameters"], record.hparams, strict=True):
            assert shown["default"] == declared.default and shown["space"] == list(declared.space)
            assert shown["help"] == declared.help and shown["type"] == declared.type.__name__
        assert item["traits"]["default_negatives"] == record.default_negatives
        assert item["traits"]["thresholded"] == record.thresholded
        assert item["summary"] and "``" not in item["summary"]


def test_losses_talos_shows_the_loss_in_full() -> None:
    text = _ok("losses", "talos")
    assert max(map(len, text.splitlines())) <= WIDTH
    assert text.startswith("loss talos: Talos, paper Eq. (3.7)")
    assert "LSE_j(logσ(x_bj)/τ) − logσ(x⁺_b)/τ" in text  # the equation, as plain unicode text
    assert "``" not in text
    for param in LOSSES.get("talos").declared.hparams:
        assert param.name in text
    assert "0.05, 0.1, 0.15, 0.2" in text and ">= 1e-06" in text  # search space and bounds
    assert "per-user Top-K threshold" in text and "learned or estimated" in text  # a trait
    assert json.loads(_ok("losses", "talos", "--json"))["name"] == "talos"


def test_backbones_name_shows_one_backbone() -> None:
    text = _ok("backbones", "xsimgcl")
    assert text.startswith("backbone xsimgcl: ") and "cl_rate" in text and "0.01, 0.05, 0.1, 0.2" in text
    items = json.loads(_ok("backbones", "--json"))
    assert [item["name"] for item in items] == ["mf", "lightgcn", "xsimgcl"]  # their listing positions
    assert sorted(item["name"] for item in items) == sorted(BACKBONES)


@pytest.mark.parametrize(
    ("command", "typo", "close"), [("losses", "tallos", "talos"), ("backbones", "lightgnc", "lightgcn")]
)
def test_an_unknown_name_is_a_usage_error_with_the_closest_match(command: str, typo: str, close: str) -> None:
    result = runner.invoke(app, [command, typo])
    assert result.exit_code == 2 and f"Did you mean '{close}'?" in result.output
