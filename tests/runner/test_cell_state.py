"""A cell's state driven by hand: what it asks for, when it waits, what it chooses."""

from __future__ import annotations

import pytest

from talosbench.runner import Outcome, build_plan, select
from talosbench.runner.cell_state import (
    CellState,
    Choice,
    GridTuned,
    TpeTuned,
    TwoStageTuned,
    Untuned,
    cell_state,
)
from talosbench.runner.records import Job
from talosbench.suite import parse_suite
from tests.runner.test_scheduler import TAUS, make_suite


def valid(value: float, status: str = "completed") -> Outcome:
    return Outcome("x", status, best_valid={"precision@20": value})


def score(job: Job) -> Outcome:
    """Validation prefers tau near 0.2."""
    return valid(0.5 - abs(job.config.loss_params["tau"] - 0.2))


def states() -> dict[str, CellState]:
    suite = make_suite(sl={}, talos={"tau": TAUS})
    return {plan.cell.loss: cell_state(suite, plan) for plan in build_plan(suite)}


def test_an_untuned_cell_asks_for_every_seed_at_once_then_nothing() -> None:
    state = states()["sl"]
    assert isinstance(state, Untuned)
    step = state.next_step()
    assert [(j.role, j.config.seed) for j in step.jobs] == [("final", 1), ("final", 2), ("final", 3)]
    assert step.choice is None and not step.proposed
    assert not state.next_step() and state.point is None
    assert state.run_ids() == [j.run_id for j in step.jobs]


def test_a_grid_cell_asks_for_its_trials_waits_for_all_then_chooses_on_validation() -> None:
    state = states()["talos"]
    assert isinstance(state, GridTuned)
    trials = state.next_step().jobs
    assert [(j.role, j.config.seed, j.config.loss_params["tau"]) for j in trials] == [
        ("trial", 0, t) for t in TAUS
    ]
    assert state.run_ids() == [j.run_id for j in trials]  # the trials are in the plan from the start
    for job in trials[:-1]:
        state.tell(job, score(job))
        assert not state.next_step()  # a trial is still out
    state.tell(trials[-1], score(trials[-1]))
    step = state.next_step()
    assert step.choice == Choice(state.point, 4) and state.point is not None
    assert state.point.as_dict() == {"tau": 0.2}
    assert [(j.role, j.config.seed, j.config.loss_params["tau"]) for j in step.jobs] == [
        ("final", seed, 0.2) for seed in (1, 2, 3)
    ]
    assert state.run_ids() == [j.run_id for j in trials + step.jobs]
    for job in step.jobs:
        state.tell(job, valid(0.3))
    assert not state.next_step()


def test_a_grid_cell_whose_every_trial_failed_chooses_nothing_and_asks_for_no_final() -> None:
    state = states()["talos"]
    for job in state.next_step().jobs:
        state.tell(job, valid(float("nan"), status="diverged"))
    step = state.next_step()
    assert step and step.jobs == [] and step.choice == Choice(None, 4)
    assert not state.next_step() and len(state.run_ids()) == 4


def test_select_reads_validation_only_first_on_ties_and_never_a_nan() -> None:
    suite = make_suite(talos={"tau": TAUS})
    [plan] = build_plan(suite)
    trials = plan.trials()
    outcomes = {
        trials[0].run_id: valid(0.4),
        trials[1].run_id: valid(0.4),
        trials[2].run_id: valid(float("nan")),
    }
    assert select(suite, plan, outcomes) == plan.points[0]
    outcomes[trials[3].run_id] = valid(0.41, status="failed")  # a failed trial never wins
    assert select(suite, plan, outcomes) == plan.points[0]
    assert select(suite, plan, {}) is None


def test_a_tpe_cell_proposes_one_trial_at_a_time_then_chooses_among_them() -> None:
    pytest.importorskip("optuna")
    data = {
        "suite": {"name": "fake", "seeds": [1, 2], "sampler": "tpe", "budget": 3},
        "grid": {"datasets": ["synthetic"], "losses": ["talos"]},
        "losses": {"talos": {"tau": TAUS, "lr": [0.1, 0.01]}},
    }
    suite = parse_suite(data, "fake.toml")
    [plan] = build_plan(suite)
    state = cell_state(suite, plan)
    assert isinstance(state, TpeTuned) and state.run_ids() == []
    proposed = []
    for _ in range(3):
        step = state.next_step()
        assert step.proposed and len(step.jobs) == 1 and step.jobs[0].role == "trial"
        assert not state.next_step()  # nothing more while the proposal trains
        proposed.append(step.jobs[0])
        state.tell(step.jobs[0], score(step.jobs[0]))
        assert state.run_ids() == [job.run_id for job in proposed]
    assert len({job.run_id for job in proposed}) == 3
    step = state.next_step()
    assert step.choice is not None and step.choice.trials == 3 and not step.proposed
    assert [job.config.seed for job in step.jobs] == [1, 2]
    assert step.choice.point in state.tried().points


def two_stage_state() -> CellState:
    data = {
        "suite": {"name": "fake", "seeds": [1, 2], "budget": 3, "extra_budget": 2},
        "grid": {"datasets": ["synthetic"], "losses": ["bsl"]},
        "losses": {"bsl": {"tau": TAUS, "lr": [0.1, 0.01], "tau2": TAUS}},
    }
    suite = parse_suite(data, "fake.toml")
    [plan] = build_plan(suite)
    return cell_state(suite, plan)


def by_tau2(job: Job) -> Outcome:
    """Validation prefers tau near 0.2, then tau2 near 0.3."""
    params = job.config.loss_params
    return valid(0.5 - abs(params["tau"] - 0.2) - 0.01 * abs(params["tau2"] - 0.3))


def test_a_two_stage_cell_tunes_its_own_dimensions_at_the_best_shared_point_then_chooses_over_both() -> None:
    state = two_stage_state()
    assert isinstance(state, TwoStageTuned) and state.plan.trial_count == 3 + 2
    first = state.next_step().jobs
    assert [j.tuning["stage"] for j in first] == [1, 1, 1]  # type: ignore[index]
    assert {j.config.loss_params["tau2"] for j in first} == {0.05}  # its own dimension at its default
    for job in first[:-1]:
        state.tell(job, by_tau2(job))
        assert not state.next_step()
    state.tell(first[-1], by_tau2(first[-1]))
    best = max(first, key=lambda j: by_tau2(j).best_valid["precision@20"]).config
    second = state.next_step()
    assert second.proposed and second.choice is None and [j.tuning["stage"] for j in second.jobs] == [2, 2]  # type: ignore[index]
    assert all(
        (j.config.lr, j.config.loss_params["tau"]) == (best.lr, best.loss_params["tau"]) for j in second.jobs
    )
    assert second.jobs[0].config.loss_params["tau2"] == best.loss_params["tau"]  # where BSL is SL
    assert state.run_ids() == [j.run_id for j in first + second.jobs]  # the plan lists both stages now
    assert not state.next_step()  # waits for the second stage
    for job in second.jobs:
        state.tell(job, by_tau2(job))
    finals = state.next_step()
    winner = max(first + second.jobs, key=lambda j: by_tau2(j).best_valid["precision@20"])
    assert finals.choice == Choice(state.point, 5) and state.point is not None
    assert [j.config.loss_params for j in finals.jobs] == [winner.config.loss_params] * 2
    assert finals.jobs[0].tuning["stage"] == (2 if winner in second.jobs else 1)  # type: ignore[index]
    assert not state.next_step()


def test_a_two_stage_cell_whose_first_stage_failed_chooses_nothing() -> None:
    state = two_stage_state()
    for job in state.next_step().jobs:
        state.tell(job, valid(float("nan"), status="diverged"))
    step = state.next_step()
    assert step.choice == Choice(None, 3) and step.jobs == [] and not state.next_step()
