"""A suite's ``plan.json``: written with the suite file's digest, read back, refused when damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.results.errors import ResultsError
from talosbench.results.plan_file import read_plan, source_digest, write_plan


def test_plan_round_trip_and_damaged_plan(tmp_path: Path) -> None:
    suite_file = tmp_path / "s.toml"
    suite_file.write_text("[suite]\nname = 's'\n")
    assert read_plan(tmp_path / "s") is None
    write_plan(tmp_path / "s", ["a", "b"], suite_file)
    plan = read_plan(tmp_path / "s")
    assert plan is not None and plan["runs"] == ["a", "b"] and plan["source"] == str(suite_file)
    assert plan["source_sha256"] == source_digest(suite_file) and "eval" not in plan
    assert source_digest(tmp_path / "nope.toml") is None
    (tmp_path / "s" / "plan.json").write_text('{"runs": ["a"')
    with pytest.raises(ResultsError, match=r"plan.json cannot be read .* record the suite's plan"):
        read_plan(tmp_path / "s")
    (tmp_path / "s" / "plan.json").write_text('{"runs": "a"}')
    with pytest.raises(ResultsError, match=r"plan.json holds no list of runs; rerun"):
        read_plan(tmp_path / "s")


def test_the_plan_records_the_suites_eval_metrics(tmp_path: Path) -> None:
    write_plan(tmp_path / "s", ["a"], tmp_path / "s.toml", {"metrics": ("recall", "ndcg"), "ks": (20,)})
    plan = read_plan(tmp_path / "s")
    assert plan is not None and plan["eval"] == {"metrics": ["recall", "ndcg"], "ks": [20]}
    assert plan["source_sha256"] is None  # a suite built in code has no file to hash


def test_the_plan_records_every_cell_and_the_seeds(tmp_path: Path) -> None:
    cell = {"dataset": "ml", "scenario": "iid", "backbone": "mf", "loss": "sl"}
    write_plan(tmp_path / "s", [], tmp_path / "s.toml", cells=[cell], seeds=(1, 2))
    plan = read_plan(tmp_path / "s")
    assert plan is not None and plan["cells"] == [cell] and plan["seeds"] == [1, 2]
    (tmp_path / "s" / "plan.json").write_text('{"runs": [], "cells": [{"dataset": "ml"}], "seeds": [1]}')
    with pytest.raises(ResultsError, match="holds no list of planned cells and seeds; rerun"):
        read_plan(tmp_path / "s")
