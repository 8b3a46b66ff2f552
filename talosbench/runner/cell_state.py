"""Each cell's way to its finals: tuning trials, the point chosen on validation, every reported seed there.

A cell's state says what it needs next (``next_step``) and learns each outcome (``tell``); it never
trains, reads the store or reports anything. The scheduler drives it with outcomes as they come, the dry
run with stored outcomes only, so both follow one course. A new way to tune (a second stage, pruning) is
another state object here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from talosbench.runner.plan import CellPlan
from talosbench.runner.records import Job, Outcome
from talosbench.suite import Point, Suite, full_grid, second_stage


@dataclass(frozen=True)
class Choice:
    """Tuning's verdict for a cell."""

    point: Point | None
    """The point chosen on validation; None when every trial failed (the cell is unreachable)."""
    trials: int
    """Trials it was chosen among."""


@dataclass(frozen=True)
class Step:
    """What a cell needs next; empty while it waits for outcomes, and once it is done."""

    jobs: list[Job] = field(default_factory=list)
    """Runs to train, in order (a stored one counts as trained: its outcome is told at once)."""
    choice: Choice | None = None
    """The verdict reached before ``jobs`` (which are then the finals at its point)."""
    proposed: bool = False
    """Whether ``jobs`` are proposals the suite's plan does not list yet (a TPE trial), so that the plan is
    rewritten before they train; trials drawn up front are in the plan from the start."""

    def __bool__(self) -> bool:
        return bool(self.jobs) or self.choice is not None


def select(suite: Suite, plan: CellPlan, outcomes: dict[str, Outcome]) -> Point | None:
    """The tuning point whose trial has the highest validation metric (first on ties); test is never read."""
    best, best_value = None, float("-inf")
    for point, trial in zip(plan.points, plan.trials(), strict=True):
        outcome = outcomes.get(trial.run_id)
        if outcome is None or not outcome.ok:
            continue
        value = outcome.best_valid.get(suite.valid_metric)
        if value is not None and value == value and value > best_value:  # NaN never wins
            best, best_value = point, value
    return best


class CellState:
    """One cell's state on its way to its finals; subclasses say what it needs next."""

    def __init__(self, suite: Suite, plan: CellPlan) -> None:
        self.suite, self.plan = suite, plan
        self.outcomes: dict[str, Outcome] = {}
        """Outcomes told so far, by run id."""
        self.choice: Choice | None = None
        """The verdict, once the cell's trials are all told (None before, and in an untuned cell)."""
        self.begun = False

    @property
    def point(self) -> Point | None:
        return self.choice.point if self.choice is not None else None

    def next_step(self) -> Step:
        """What the cell needs now, each job asked for once; an empty step until an outcome is told."""
        raise NotImplementedError

    def tell(self, job: Job, outcome: Outcome) -> None:
        """The outcome of a job a step asked for (stored, or trained now)."""
        self.outcomes[job.run_id] = outcome

    def tried(self) -> CellPlan:
        """The plan with the trials known so far: every point drawn up front, a TPE cell's told ones."""
        return self.plan

    def run_ids(self) -> list[str]:
        """The cell's runs in the suite's plan now: its trials so far, its finals once a point is chosen."""
        return self.tried().run_ids(self.point)

    def _choose(self, tried: CellPlan) -> Step:
        """Choose among ``tried``'s trials on validation, and ask for every reported seed at the point."""
        point = select(self.suite, tried, self.outcomes)
        self.choice = Choice(point, len(tried.points))
        return Step(tried.finals(point) if point is not None else [], self.choice)


class Untuned(CellState):
    """A cell without tuning dimensions: its finals, at once."""

    def next_step(self) -> Step:
        if self.begun:
            return Step()
        self.begun = True
        return Step(self.plan.finals())


class GridTuned(CellState):
    """Trials at every point drawn up front; the finals once every trial is told."""

    def next_step(self) -> Step:
        if not self.begun:
            self.begun = True
            return Step(self.plan.trials())
        if self.choice is None and all(job.run_id in self.outcomes for job in self.plan.trials()):
            return self._choose(self.plan)
        return Step()


class TwoStageTuned(CellState):
    """The shared dimensions' points drawn up front (stage 1); at the best of them (chosen on validation),
    the loss's own dimensions (stage 2, proposed once stage 1 is told); the finals at the best point of
    both stages once every trial is told."""

    def __init__(self, suite: Suite, plan: CellPlan) -> None:
        super().__init__(suite, plan)
        self.both: CellPlan | None = None
        """The plan with both stages' points, once the first stage's best point is known."""

    def next_step(self) -> Step:
        if not self.begun:
            self.begun = True
            return Step(self.plan.trials())
        if self.choice is not None or not self._all_told(self.tried()):
            return Step()
        if self.both is not None:
            return self._choose(self.both)
        best = select(self.suite, self.plan, self.outcomes)
        if best is None:  # every first-stage trial failed: the cell is unreachable
            return self._choose(self.plan)
        first = self.plan.points
        self.both = self.plan.with_points([*first, *second_stage(self.suite, self.plan.cell, best, first)])
        second = self.both.trials()[len(first) :]
        return Step(second, proposed=True) if second else self._choose(self.both)

    def _all_told(self, plan: CellPlan) -> bool:
        return all(job.run_id in self.outcomes for job in plan.trials())

    def tried(self) -> CellPlan:
        return self.both if self.both is not None else self.plan


class TpeTuned(CellState):
    """Trials proposed one at a time by Optuna's TPE from the outcomes so far; the finals once the budget
    is spent (see ``runner.tpe``)."""

    def __init__(self, suite: Suite, plan: CellPlan) -> None:
        from talosbench.runner.tpe import Study

        super().__init__(suite, plan)
        assert plan.tpe_budget is not None
        self.study = Study(suite, full_grid(suite, plan.cell), plan.tpe_budget)

    def next_step(self) -> Step:
        if self.choice is not None or self.study.asked is not None:  # done, or a proposal in training
            return Step()
        point = self.study.ask()
        if point is None:
            return self._choose(self.tried())
        return Step(self.plan.with_points([point]).trials(), proposed=True)

    def tell(self, job: Job, outcome: Outcome) -> None:
        super().tell(job, outcome)
        if job.role == "trial":
            self.study.tell(self.study.asked, outcome)

    def tried(self) -> CellPlan:
        return self.plan.with_points(self.study.points)


def cell_state(suite: Suite, plan: CellPlan) -> CellState:
    """The state object that takes ``plan``'s cell to its finals."""
    if plan.tpe:
        return TpeTuned(suite, plan)
    if plan.two_stage:
        return TwoStageTuned(suite, plan)
    return GridTuned(suite, plan) if plan.tuned else Untuned(suite, plan)
