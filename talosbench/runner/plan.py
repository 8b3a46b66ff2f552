"""The run plan of a suite: per cell, its tuning trials and (once a point is chosen) its final runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from talosbench.config import RunConfig
from talosbench.suite import Cell, Point, Suite, SuiteError, cells, config, dims, grid_size, points
from talosbench.suite.errors import unknown

ONLY_KEYS = ("dataset", "scenario", "backbone", "loss")
PLURAL = {"dataset": "datasets", "scenario": "scenarios", "backbone": "backbones", "loss": "losses"}


@dataclass(frozen=True)
class Job:
    """One run to train: its configuration, its grid cell, and whether it is a tuning trial."""

    cell: Cell
    """The grid cell (loss = the grid label)."""
    config: RunConfig
    """The fully resolved run configuration."""
    role: str
    """``trial`` (tuning, scored on validation only) or ``final`` (reported on test)."""
    tuning: dict[str, Any] | None = None
    """``{"point": {...}, "budget": n}`` in tuned cells, else None."""

    @property
    def run_id(self) -> str:
        return self.config.run_id

    def __str__(self) -> str:
        return f"{self.cell} seed {self.config.seed}" + (" (trial)" if self.role == "trial" else "")


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

    @property
    def tuned(self) -> bool:
        return bool(self.points)

    @property
    def runs(self) -> int:
        """Distinct trainings: the trials (tuning seed), then every reported seed at the chosen point."""
        return len(self.points) + len(self.suite.seeds)

    def _tuning(self, point: Point) -> dict[str, Any]:
        return {"point": point.as_dict(), "budget": len(self.points), "grid": self.grid_size}

    def trials(self) -> list[Job]:
        """One run per tuning point with the suite's tuning seed (never a reported seed)."""
        seed = self.suite.tuning_seed
        return [
            Job(self.cell, config(self.suite, self.cell, p, seed, self.device), "trial", self._tuning(p))
            for p in self.points
        ]

    def finals(self, point: Point | None = None) -> list[Job]:
        """Every reported seed at ``point`` (the chosen tuning point; None for an untuned cell)."""
        if self.tuned and point is None:
            raise ValueError(f"cell {self.cell} is tuned: its final runs need the chosen point")
        tuning = self._tuning(point) if point is not None else None
        return [
            Job(self.cell, config(self.suite, self.cell, point, seed, self.device), "final", tuning)
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
    grid = {"dataset": suite.datasets, "scenario": suite.scenarios, "backbone": suite.backbones,
            "loss": suite.losses}  # fmt: skip
    filters: dict[str, set[str]] = {}
    for item in only:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise SuiteError(f"--only {item!r}: expected KEY=VALUE, e.g. --only loss=talos")
        if key not in grid:
            raise unknown(f"--only {item}", "key", "filter key", key, ONLY_KEYS)
        if value not in grid[key]:
            raise unknown(f"--only {item}", f"[grid] {PLURAL[key]}", key, value, grid[key])
        filters.setdefault(key, set()).add(value)
    return filters


def build_plan(
    suite: Suite, *, device: str | None = None, only: Mapping[str, set[str]] | None = None
) -> list[CellPlan]:
    """The cells that ``only`` keeps (values of one key OR-ed, keys AND-ed), each with its points."""
    plans = []
    for cell in cells(suite):
        key = cell.key()
        if only and not all(key[k] in values for k, values in only.items()):
            continue
        tuned = tuple(points(suite, cell)) if dims(suite, cell) else ()
        plans.append(CellPlan(suite, cell, tuned, device, grid_size(suite, cell)))
    _check_distinct(suite, plans)
    return plans


def _check_distinct(suite: Suite, plans: list[CellPlan]) -> None:
    """Two grid entries that train identical configurations would overwrite each other's results."""
    seen: dict[str, Cell] = {}
    for plan in plans:
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
