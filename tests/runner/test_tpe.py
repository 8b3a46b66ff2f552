"""``[suite] sampler = "tpe"``: Optuna's TPE proposes trials one at a time, seeded, resumed from the store."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from talosbench.config import RunConfig
from talosbench.runner import Listener, RunnerError, current_runs, describe, run_suite
from talosbench.runner.records import Job
from talosbench.suite import SuiteError, parse_suite
from tests.runner.test_scheduler import TAUS, Fake, install

LRS = [0.1, 0.01, 0.001]


def tpe_suite(budget: int | None = 5, **suite: Any):  # type: ignore[no-untyped-def]
    head = {"name": "fake", "seeds": [1, 2, 3], "sampler": "tpe", **suite}
    if budget is not None:
        head["budget"] = budget
    data = {
        "suite": head,
        "train": {"epochs": 2},
        "grid": {"datasets": ["synthetic"], "losses": ["talos"]},
        "losses": {"talos": {"tau": TAUS, "lr": LRS}},
    }
    return parse_suite(data, "fake.toml")


def trial_points(calls: list[RunConfig]) -> list[tuple[float, float]]:
    return [(c.loss_params["tau"], c.lr) for c in calls if c.seed not in (1, 2, 3)]  # not a final


class StopAfter(Listener):
    """Ctrl-C once ``n`` runs have finished (each is stored before it is reported)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def finished(self, job: Job, outcome: Any) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


@pytest.fixture(autouse=True)
def _optuna() -> None:
    pytest.importorskip("optuna")


def test_tpe_trains_its_budget_of_distinct_trials_then_every_seed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = install(monkeypatch, Fake())
    summary = run_suite(tpe_suite(budget=5), tmp_path)
    assert summary.failed == [] and summary.total == 5 + 3 and summary.ran == 8
    trials = trial_points(fake.calls)
    assert len(trials) == len(set(trials)) == 5  # distinct points of the 12-point grid
    assert [c.seed for c in fake.calls[5:]] == [1, 2, 3]  # then the finals, after every trial
    frame = collect_talos(tmp_path)
    finals = frame.filter(pl.col("role") == "final")
    best = max(trials, key=lambda p: -abs(p[0] - 0.2))  # the Fake's validation prefers tau near 0.2
    assert set(finals["point.tau"].to_list()) == {best[0]}
    assert set(frame["tuning_budget"].to_list()) == {5}


def collect_talos(results: Path) -> pl.DataFrame:
    from talosbench.results import collect

    return collect(results).filter(pl.col("loss") == "talos")


def test_an_interrupted_tpe_run_resumes_with_the_same_proposals(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    whole = install(monkeypatch, Fake())
    run_suite(tpe_suite(budget=6), tmp_path / "whole")
    resumed = install(monkeypatch, Fake())
    with pytest.raises(KeyboardInterrupt):
        run_suite(tpe_suite(budget=6), tmp_path / "resumed", listener=StopAfter(2))
    assert len(resumed.calls) == 2
    [status] = describe(tpe_suite(budget=6), tmp_path / "resumed")
    assert (status.runs, status.done, len(status.plan.points), status.point) == (9, 2, 2, None)
    summary = run_suite(tpe_suite(budget=6), tmp_path / "resumed")
    assert summary.reused == 2 and summary.ran == 7  # the two stored trials are told, not trained again
    assert trial_points(resumed.calls) == trial_points(whole.calls)  # same points, same order
    assert sorted(current_runs(tpe_suite(budget=6), tmp_path / "resumed")) == sorted(
        current_runs(tpe_suite(budget=6), tmp_path / "whole")
    )


def test_the_tpe_seed_follows_the_tuning_seed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    proposals = []
    for tuning_seed in (0, 7, 7):
        fake = install(monkeypatch, Fake())
        run_suite(tpe_suite(budget=4, tuning_seed=tuning_seed), tmp_path / str(len(proposals)))
        assert {c.seed for c in fake.calls[:4]} == {tuning_seed}
        proposals.append(trial_points(fake.calls))
    assert len(proposals[0]) == 4 and proposals[0] != proposals[1] and proposals[1] == proposals[2]


def test_failed_tpe_trials_count_as_tried(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = install(monkeypatch, Fake(diverge={"talos"}))
    summary = run_suite(tpe_suite(budget=3), tmp_path)
    assert len(fake.calls) == 3 and len(set(trial_points(fake.calls))) == 3  # no final: no point won
    assert [cell.loss for cell in summary.unreachable] == ["talos"]


@pytest.mark.parametrize("budget", [11, 12, 50])
def test_budgets_near_or_over_the_grid_size_train_distinct_points(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, budget: int
) -> None:
    fake = install(monkeypatch, Fake())
    summary = run_suite(tpe_suite(budget=budget), tmp_path)
    trials = trial_points(fake.calls)
    assert len(trials) == len(set(trials)) == min(budget, 12) and summary.total == len(trials) + 3


def test_tpe_needs_a_budget() -> None:
    with pytest.raises(SuiteError, match=r"\[suite\] sampler: \"tpe\" .* set \[suite\] budget"):
        tpe_suite(budget=None)
    with pytest.raises(SuiteError, match="unknown sampler 'tpee'"):
        tpe_suite(sampler="tpee")


def test_tpe_without_optuna_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_import = builtins.__import__

    def no_optuna(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "optuna" or name.startswith("optuna."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    fake = install(monkeypatch, Fake())
    monkeypatch.setattr(builtins, "__import__", no_optuna)
    with pytest.raises(RunnerError, match=r'pip install "talosbench\[tune\]"') as caught:
        run_suite(tpe_suite(), tmp_path)
    assert caught.value.exit_code == 2 and fake.calls == []
