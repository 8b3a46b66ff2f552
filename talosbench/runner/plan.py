"""The run plan of a suite: per cell, its tuning trials and (once a point is chosen) its final runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from talosbench.config import RunConfig
from talosbench.runner.records import Job
from talosbench.suite import (
    Cell,
    Point,
    Suite,
    SuiteError,
    budget,
    cells,
    dims,
    full_grid,
    grid_size,
    point_config,
    points,
    second_stage,
    second_stage_size,
    two_stage,
)
from talosbench.suite.errors import unknown

ONLY_KEYS = ("dataset", "scenario", "backbone", "loss")
PLURAL = {"dataset": "datasets", "scenario": "scenarios", "backbone": "backbones", "loss": "losses"}


@dataclass(frozen=True)
class CellPlan:
    """What one cell trains: trials at every tuning point, then every seed at the chosen point."""

    suite: Suite
    cell: Cell
    points: tuple[Point, ...]
    """Tuning points; empty when the cell has no tuning dimensions."""
    device: str | None = None
    """Device override of every run (not part of the run id)."""
    grid_size: int = 1
    """Points in the cell's full tuning grid (what coverage is measured against)."""
    tpe_budget: int | None = None
    """Trials a TPE cell trains (``[suite] sampler = "tpe"``); its ``points`` are then the trials proposed
    so far, one at a time (see ``runner.tpe``). None: the points were drawn up front."""
    first_stage: int = 0
    """A two-stage cell's first-stage trials, ``points[:first_stage]``; the second stage's follow them once
    the first stage's best point is known. 0: one stage."""
    second_stage: int = 0
    """Trials a two-stage cell's second stage trains (the loss's own dimensions); 0: one stage."""

    @property
    def tuned(self) -> bool:
        return bool(self.points) or self.tpe

    @property
    def tpe(self) -> bool:
        return self.tpe_budget is not None

    @property
    def two_stage(self) -> bool:
        return self.second_stage > 0

    @property
    def trial_count(self) -> int:
        """Trials the cell trains in all (a TPE cell may have proposed fewer so far, a two-stage cell may
        not know its second stage's points yet)."""
        if self.two_stage:
            return self.first_stage + self.second_stage
        return self.tpe_budget if self.tpe_budget is not None else len(self.points)

    def stage(self, point: Point) -> int | None:
        """The stage ``point`` was tried in (1 or 2) in a two-stage cell; None in a one-stage cell."""
        if not self.two_stage:
            return None
        return 1 if self.points.index(point) < self.first_stage else 2

    @property
    def runs(self) -> int:
        """Distinct trainings: the trials (tuning seed), then every reported seed at the chosen point."""
        return self.trial_count + len(self.suite.seeds)

    def with_points(self, points: Sequence[Point]) -> CellPlan:
        """This plan with ``points`` as its trials so far (a TPE cell's proposals)."""
        return replace(self, points=tuple(points))

    def first_config(self) -> RunConfig:
        """A configuration of the cell (its first trial's, or first run's): what its data and cost share."""
        if self.points:  # the first trial's, without building every trial's
            return point_config(self.suite, self.cell, self.points[0], self.suite.tuning_seed, self.device)
        if self.tuned:  # a TPE cell before its first proposal
            return point_config(
                self.suite,
                self.cell,
                full_grid(self.suite, self.cell)[0],
                self.suite.tuning_seed,
                self.device,
            )
        return self.finals()[0].config

    def _tuning(self, point: Point) -> dict[str, Any]:
        tuning: dict[str, Any] = {
            "point": point.as_dict(),
            "budget": self.trial_count,
            "grid": self.grid_size,
        }
        # each dimension's number of values: what the report measures per-dimension coverage against
        tuning["values"] = {d.label: len(d.values) for d in point.dims}
        if self.tpe:
            tuning["sampler"] = "tpe"
        stage = self.stage(point)
        if stage is not None:
            tuning["stage"] = stage
        return tuning

    def trials(self) -> list[Job]:
        """One run per tuning point with the suite's tuning seed (never a reported seed)."""
        seed = self.suite.tuning_seed
        return [
            Job(
                self.cell,
                point_config(self.suite, self.cell, p, seed, self.device, trial=True),
                "trial",
                self._tuning(p),
            )
            for p in self.points
        ]

    def finals(self, point: Point | None = None) -> list[Job]:
        """Every reported seed at ``point`` (the chosen tuning point; None for an untuned cell)."""
        if self.tuned and point is None:
            raise ValueError(f"cell {self.cell} is tuned: its final runs need the chosen point")
        tuning = self._tuning(point) if point is not None else None
        return [
            Job(self.cell, point_config(self.suite, self.cell, point, seed, self.device), "final", tuning)
            for seed in self.suite.seeds
        ]

    def run_ids(self, point: Point | None = None) -> list[str]:
        """The cell's runs in the suite's current plan: its trials, then its finals once ``point`` is chosen.

        Before a tuned cell's point is chosen its finals are unknown, so only the trials are listed.
        """
        if not self.tuned:
            return [job.run_id for job in self.finals()]
        finals = self.finals(point) if point is not None else []
        return [job.run_id for job in self.trials() + finals]


def parse_only(suite: Suite, only: Sequence[str]) -> dict[str, set[str]]:
    """``["loss=talos", "dataset=synthetic"]`` → filters; keys and values are checked against the grid."""
    grid = {
        "dataset": suite.datasets,
        "scenario": suite.scenarios,
        "backbone": suite.backbones,
        "loss": suite.losses,
    }
    filters: dict[str, set[str]] = {}
    for item in only:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise SuiteError(f"--only {item!r}: expected KEY=VALUE, e.g. --only loss=talos")
        if key not in grid:
            raise unknown(f"--only {item}", "key", "filter key", key, ONLY_KEYS)
        if value not in grid[key] and value in _known(key):
            raise SuiteError(
                f"--only {item}: {key} '{value}' is not in this grid; [grid] {PLURAL[key]}: "
                f"{', '.join(grid[key])}"
            )
        if value not in grid[key]:
            raise unknown(f"--only {item}", f"[grid] {PLURAL[key]}", key, value, grid[key])
        filters.setdefault(key, set()).add(value)
    return filters


def _known(key: str) -> Sequence[str]:
    """Every name a ``--only`` key could take in some suite: a grid lacking one lacks, not misspells, it."""
    from talosbench.data.catalog import CATALOG
    from talosbench.data.scenario_names import SCENARIO_HELP
    from talosbench.declared.backbones import DECLARED_BACKBONES
    from talosbench.declared.losses import DECLARED_LOSSES

    known = {
        "dataset": CATALOG,
        "scenario": SCENARIO_HELP,
        "backbone": DECLARED_BACKBONES,
        "loss": DECLARED_LOSSES,
    }
    return list(known[key])


def build_plan(
    suite: Suite,
    *,
    device: str | None = None,
    only: Mapping[str, set[str]] | None = None,
    check_distinct: bool = True,
) -> list[CellPlan]:
    """The cells that ``only`` keeps (values of one key OR-ed, keys AND-ed), each with its points.

    ``check_distinct`` off skips hashing every configuration to find two cells that train the same one
    (most of the time of a large grid's plan): for a listing that trains nothing and runs no suite.
    """
    plans = []
    for cell in cells(suite):
        key = cell.key()
        if only and not all(key[k] in values for k, values in only.items()):
            continue
        plans.append(_cell_plan(suite, cell, device))
    if any(plan.tpe for plan in plans):
        from talosbench.runner.tpe import require_optuna

        require_optuna()  # before anything trains, not at the first proposal
    if suite.pruner is not None and any(plan.tuned for plan in plans):
        from talosbench.runner.prune import require_pruner

        require_pruner(suite.pruner)
    if check_distinct:
        _check_distinct(suite, plans)
    return plans


def _cell_plan(suite: Suite, cell: Cell, device: str | None) -> CellPlan:
    """The cell's plan: its points drawn up front, or (TPE within a budget smaller than the grid) none yet."""
    if not dims(suite, cell):
        return CellPlan(suite, cell, (), device)
    size, cap = grid_size(suite, cell), budget(suite, cell)
    if suite.sampler == "tpe" and cap is not None and cap < size:  # a whole grid needs no sampler
        return CellPlan(suite, cell, (), device, size, tpe_budget=cap)
    drawn = tuple(points(suite, cell))
    if two_stage(suite, cell):
        second = second_stage_size(suite, cell)
        return CellPlan(suite, cell, drawn, device, size, first_stage=len(drawn), second_stage=second)
    return CellPlan(suite, cell, drawn, device, size)


def possible_points(plan: CellPlan) -> list[Point]:
    """Every point ``plan``'s cell may train: a TPE cell's whole grid; a two-stage cell's first stage and
    the second stage that each of its points would bring, were it the best."""
    if plan.tpe:
        return full_grid(plan.suite, plan.cell)
    if not plan.two_stage:
        return list(plan.points)
    first = plan.points[: plan.first_stage]
    second = (p for best in first for p in second_stage(plan.suite, plan.cell, best, first))
    return list(dict.fromkeys([*first, *second]))


def _check_distinct(suite: Suite, plans: list[CellPlan]) -> None:
    """Two grid entries that train identical configurations would overwrite each other's results."""
    seen: dict[str, Cell] = {}
    for plan in plans:
        if plan.tpe or plan.two_stage:  # points chosen as it goes: any it may train
            plan = replace(plan, points=tuple(possible_points(plan)), first_stage=0, second_stage=0)
        jobs = plan.trials() if plan.tuned else plan.finals()
        for job in jobs:
            other = seen.setdefault(job.run_id, job.cell)
            if other != job.cell:
                raise SuiteError(
                    f"{suite.source}: cells {other} and {job.cell} train the same configuration "
                    f"(run {job.run_id}); give the loss aliases different parameters or drop one"
                )


def total_runs(plans: list[CellPlan]) -> int:
    """Distinct trainings of the whole plan (trials included)."""
    return sum(plan.runs for plan in plans)
