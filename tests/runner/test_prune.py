"""``[suite] pruner``: Optuna's pruners stop trials behind their cell's earlier ones; the best still wins."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.config import RunConfig, RunResult
from talosbench.results import collect, read_history
from talosbench.runner import RunnerError, count_cells, current_runs, run_suite
from talosbench.runner.prune import decider
from talosbench.runner.records import Pruning, Sibling
from talosbench.suite import SuiteError, parse_suite
from tests.runner.test_scheduler import TAUS, Fake, install
from tests.runner.test_tpe import StopAfter

LRS = [0.01, 0.001, 1e-7]
VALIDATIONS = 6


class Curved(Fake):
    """Validation climbs over six validations to 0.5 - |tau - 0.2| (less 0.05 at lr 0.001); lr 1e-7 is
    hopeless and stays near 0. A run asks its ``prune`` at every validation but the last, as ``fit`` does."""

    def __call__(self, config: RunConfig, **kwargs: Any) -> RunResult:
        self.calls.append(config)
        prune = kwargs.get("prune")
        top = 0.5 - abs(config.loss_params.get("tau", 0.1) - 0.2) - (0.05 if config.lr == 0.001 else 0.0)
        top = 0.01 if config.lr < 1e-6 else top
        curve: list[float] = []
        status = "completed"
        for epoch in range(1, VALIDATIONS + 1):
            curve.append(top * epoch / VALIDATIONS)
            if prune is not None and epoch < VALIDATIONS and prune(epoch, curve[-1]):
                status = "pruned"
                break
        epochs = list(range(1, len(curve) + 1))
        return RunResult(
            status=status,
            test={"precision@20": 0.1},
            best_valid={"precision@20": curve[-1]},
            best_epoch=len(curve),
            epochs=len(curve),
            history=pl.DataFrame(
                {"epoch": epochs, "train_loss": [1.0] * len(curve), "valid_precision@20": curve}
            ),
            per_user=pl.DataFrame({"user": [0, 1], "precision@20": [0.1, 0.2]}),
        )


def prune_suite(pruner: str | None = "median", **suite: Any):  # type: ignore[no-untyped-def]
    head = {"name": "fake", "seeds": [1, 2], **suite}
    if pruner is not None:
        head["pruner"] = pruner
    data = {
        "suite": head,
        "train": {"epochs": VALIDATIONS, "eval_every": 1},
        "grid": {"datasets": ["synthetic"], "losses": ["talos"]},
        "losses": {"talos": {"tau": TAUS, "lr": LRS}},
    }
    return parse_suite(data, "fake.toml")


def statuses(results: Path) -> pl.DataFrame:
    return (
        collect(results).filter(pl.col("role") == "trial").select("run_id", "status", "point.tau", "point.lr")
    )


def finals(results: Path) -> pl.DataFrame:
    return collect(results).filter(pl.col("role") == "final").sort("seed")


@pytest.fixture(autouse=True)
def _optuna() -> None:
    pytest.importorskip("optuna")


@pytest.mark.parametrize("pruner", ["median", "asha"])
def test_hopeless_trials_are_pruned_and_the_best_is_still_chosen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pruner: str
) -> None:
    install(monkeypatch, Curved())
    plain = run_suite(prune_suite(None), tmp_path / "plain")
    install(monkeypatch, Curved())
    pruned = run_suite(prune_suite(pruner), tmp_path / "pruned")
    assert plain.failed == pruned.failed == [] and plain.total == pruned.total == 12 + 2  # the same budget
    trials = statuses(tmp_path / "pruned")
    assert trials.height == 12 and set(trials["status"]) == {"completed", "pruned"}
    assert set(statuses(tmp_path / "plain")["status"]) == {"completed"}
    hopeless = trials.filter(pl.col("point.lr") == 1e-7)
    assert hopeless.filter(pl.col("status") == "pruned").height >= 3  # all but those before any comparison
    for run_id in trials.filter(pl.col("status") == "pruned")["run_id"]:
        history = read_history(tmp_path / "pruned" / "fake" / run_id)
        assert 1 <= history.height < VALIDATIONS and history["valid_precision@20"].null_count() == 0
    # the same point, so the same final runs (ids and numbers); the trials are the pruner's own runs
    assert finals(tmp_path / "pruned")["point.tau"].to_list() == [0.2, 0.2]
    assert finals(tmp_path / "pruned")["run_id"].to_list() == finals(tmp_path / "plain")["run_id"].to_list()
    assert not set(trials["run_id"]) & set(statuses(tmp_path / "plain")["run_id"])


def test_a_pruned_trial_is_never_chosen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Late(Curved):
        """The best point would win on validation were it not pruned: the pruner stops every trial."""

    install(monkeypatch, Late())
    monkeypatch.setattr("talosbench.runner.execute.decider", lambda pruning: lambda epoch, value: epoch == 2)
    summary = run_suite(prune_suite("median"), tmp_path)
    assert set(statuses(tmp_path)["status"]) == {"pruned"}
    assert [cell.loss for cell in summary.unreachable] == ["talos"] and finals(tmp_path).height == 0


def test_a_trial_is_judged_against_the_trials_before_it_that_ended(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[Pruning] = []

    def spy(pruning: Pruning) -> Any:
        seen.append(pruning)
        return decider(pruning)

    install(monkeypatch, Curved())
    monkeypatch.setattr("talosbench.runner.execute.decider", spy)
    run_suite(prune_suite("median"), tmp_path)
    assert [len(p.siblings) for p in seen] == list(range(12))  # --jobs 1: every earlier trial, in order
    assert all(p.pruner == "median" and p.first_validation == 1 for p in seen)
    last = seen[-1].siblings
    assert {s.status for s in last} == {"completed", "pruned"}
    assert all(s.best == max(v for _, v in s.curve) for s in last)


def test_the_decision_is_optunas_over_the_replayed_curves() -> None:
    good = Sibling("completed", ((1, 0.2), (2, 0.4), (3, 0.5)), 0.5)
    siblings = tuple(good for _ in range(5))
    decide = decider(Pruning("median", 1, siblings))
    assert not decide(1, 0.3)  # above the median of the others at epoch 1
    assert decide(2, 0.31)  # below it at epoch 2
    early = decider(Pruning("median", 1, siblings[:4]))  # MedianPruner waits for five finished trials
    assert not early(1, 0.0)
    asha = decider(Pruning("asha", 2, (good,)))
    assert not asha(1, 0.0)  # before its first rung (the first validation, epoch 2)
    assert asha(2, 0.1)  # behind the only other trial at the rung


def test_an_interrupted_pruned_run_resumes_to_the_same_trials_and_choice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    install(monkeypatch, Curved())
    run_suite(prune_suite("median"), tmp_path / "whole")
    resumed = install(monkeypatch, Curved())
    with pytest.raises(KeyboardInterrupt):
        run_suite(prune_suite("median"), tmp_path / "resumed", listener=StopAfter(9))
    assert len(resumed.calls) == 9
    summary = run_suite(prune_suite("median"), tmp_path / "resumed")
    assert summary.reused == 9 and summary.ran == 5 and summary.failed == []  # stored pruned trials count
    assert len(resumed.calls) == 14
    whole, again = statuses(tmp_path / "whole"), statuses(tmp_path / "resumed")
    assert again.sort("run_id").equals(whole.sort("run_id"))
    assert finals(tmp_path / "resumed")["run_id"].to_list() == finals(tmp_path / "whole")["run_id"].to_list()
    assert current_runs(prune_suite("median"), tmp_path / "resumed") == current_runs(
        prune_suite("median"), tmp_path / "whole"
    )


def test_tpe_trials_are_pruned_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = install(monkeypatch, Curved())
    summary = run_suite(prune_suite("asha", sampler="tpe", budget=8), tmp_path)
    assert summary.failed == [] and summary.total == 8 + 2 and len(fake.calls) == 10
    trials = statuses(tmp_path)
    assert trials.height == 8 and "pruned" in set(trials["status"])
    best = trials.filter(pl.col("status") == "completed").sort("point.tau")  # tau near 0.2 wins
    assert finals(tmp_path)["point.tau"][0] in best["point.tau"].to_list()


def test_status_and_report_count_pruned_trials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install(monkeypatch, Curved())
    suite = prune_suite("median")
    run_suite(suite, tmp_path)
    pruned = statuses(tmp_path).filter(pl.col("status") == "pruned").height
    [count] = count_cells(suite, tmp_path)
    assert (count.pruned, count.failed, count.complete, count.missing) == (pruned, 0, 14, 0)
    path = tmp_path / "fake.toml"
    path.write_text(
        '[suite]\nname = "fake"\nseeds = [1, 2]\npruner = "median"\n[train]\nepochs = 6\neval_every = 1\n'
        '[grid]\ndatasets = ["synthetic"]\nlosses = ["talos"]\n'
        f"[losses.talos]\ntau = {TAUS}\nlr = {LRS}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["status", str(path), "--results-dir", str(tmp_path), "--json"])
    assert shown.exit_code == 0, shown.output
    [report] = json.loads(shown.output)
    assert report["cells"][0]["tuning"] == {"trials": 12, "stored": 12, "pruned": pruned}
    text = runner.invoke(app, ["status", str(path), "--results-dir", str(tmp_path)])
    assert f"12/12 trials ({pruned} pruned)" in text.output
    table = runner.invoke(app, ["report", str(tmp_path / "fake")])
    assert table.exit_code == 0, table.output
    [header] = [line for line in table.output.splitlines() if "pruned trials" in line]
    columns = [name.strip() for name in header.split("|")]
    assert columns[columns.index("pruned trials") + 1] == "failed trials"


def test_the_pruner_is_checked_and_needs_optuna(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"\[suite\] pruner: unknown pruner 'medain'. Did you mean 'median'"):
        prune_suite("medain")
    with pytest.raises(SuiteError, match=r"\[suite\] pruner"):
        prune_suite(3)  # type: ignore[arg-type]
    real_import = builtins.__import__

    def no_optuna(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "optuna" or name.startswith("optuna."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    fake = install(monkeypatch, Curved())
    monkeypatch.setattr(builtins, "__import__", no_optuna)
    message = r'\[suite\] pruner = "asha" needs Optuna.*pip install "talosbench\[tune\]"'
    with pytest.raises(RunnerError, match=message):
        run_suite(prune_suite("asha"), tmp_path)
    assert fake.calls == []


def test_only_tuning_trials_carry_the_pruner_in_their_run_id() -> None:
    from talosbench.runner import build_plan

    [plain] = build_plan(prune_suite(None))
    [pruned] = build_plan(prune_suite("median"))
    assert all("pruner" not in job.config.to_record() for job in plain.trials())
    assert all(job.config.pruner == "median" for job in pruned.trials())
    point = plain.points[0]
    assert [j.run_id for j in plain.finals(point)] == [j.run_id for j in pruned.finals(point)]
    assert {j.run_id for j in plain.trials()}.isdisjoint(j.run_id for j in pruned.trials())
