"""What the results store already holds of a suite's plan: each cell's stored runs, its trials so far and
its chosen point, without training anything (the dry run, the report's plan, a resume's starting point)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from talosbench.runner.cell_state import cell_state
from talosbench.runner.plan import CellPlan, build_plan, parse_only
from talosbench.runner.records import Context, Job, Outcome
from talosbench.suite import Cell, Point, Suite

if TYPE_CHECKING:
    from talosbench.results import DamagedRunError

OnDamaged = Callable[[Job, "DamagedRunError"], None]


def stored_outcome(ctx: Context, job: Job) -> Outcome | None:
    """The recorded outcome of ``job``, or None when it is not complete.

    A run whose weights the suite now keeps (``save_model``) but that was stored without them is not
    complete either: it is trained again to keep them. Raises ``results.DamagedRunError`` when the
    run is stored but a file of it cannot be read.
    """
    from talosbench.results import MODEL_FILE, read_run, run_dir

    directory = run_dir(ctx.results_dir, ctx.suite, job.run_id)
    data = read_run(directory)
    if data is None or (job.config.save_model and not (directory / MODEL_FILE).is_file()):
        return None
    valid = {k: float(v) for k, v in (data.get("best_valid") or {}).items() if v is not None}
    return Outcome(job.run_id, str(data.get("status")), data.get("error"), valid, reused=True)


class StoredOutcomes:
    """Outcomes stored before this invocation, each read once; a damaged run counts as not stored."""

    def __init__(self, ctx: Context, on_damaged: OnDamaged | None = None) -> None:
        self.ctx = ctx
        self.on_damaged = on_damaged
        self.cache: dict[str, Outcome | None] = {}

    def __call__(self, job: Job) -> Outcome | None:
        from talosbench.results import DamagedRunError

        if job.run_id not in self.cache:
            try:
                self.cache[job.run_id] = stored_outcome(self.ctx, job)
            except DamagedRunError as error:
                self.cache[job.run_id] = None
                if self.on_damaged is not None:
                    self.on_damaged(job, error)
        return self.cache[job.run_id]


@dataclass(frozen=True)
class CellStatus:
    """A cell of a dry run: how many runs it holds, how many are complete, the chosen point if known."""

    plan: CellPlan
    """The cell's plan with its trials so far (a TPE cell's stored proposals)."""
    runs: int
    """Runs the cell trains in all."""
    done: int
    """Runs of it already complete."""
    point: Point | None
    """The point chosen on validation once every trial is stored (None before, and when untuned)."""

    def run_ids(self) -> list[str]:
        """The cell's runs in the suite's plan now: its trials, and its finals once a point is chosen."""
        return self.plan.run_ids(self.point)


def cell_status(suite: Suite, plan: CellPlan, stored: StoredOutcomes) -> CellStatus:
    """Take the cell as far as its stored runs go: the course the grid follows, with nothing trained."""
    state = cell_state(suite, plan)
    done = 0
    while step := state.next_step():
        for job in step.jobs:
            outcome = stored(job)
            if outcome is not None:
                state.tell(job, outcome)
                done += 1
    return CellStatus(state.tried(), plan.runs, done, state.point)


def describe(
    suite: Suite,
    results_dir: str | Path,
    *,
    device: str | None = None,
    only: Sequence[str] = (),
    on_damaged: OnDamaged | None = None,
) -> list[CellStatus]:
    """The plan of ``suite`` against what ``results_dir`` already holds, without training anything.

    A damaged stored run counts as not complete and is passed to ``on_damaged``.
    """
    stored = StoredOutcomes(Context(Path(results_dir), suite.name), on_damaged)
    return [
        cell_status(suite, plan, stored)
        for plan in build_plan(suite, device=device, only=parse_only(suite, only))
    ]


def current_runs(suite: Suite, results_dir: str | Path) -> list[str]:
    """The run ids ``suite`` expands to now against ``results_dir``: what ``run_suite`` records.

    Tuned cells list their trials, and their finals once every trial is stored and a point chosen.
    """
    stored = StoredOutcomes(Context(Path(results_dir), suite.name))
    return [rid for runs in cell_runs(suite, build_plan(suite), stored).values() for rid in runs]


def cell_runs(suite: Suite, plans: list[CellPlan], stored: StoredOutcomes) -> dict[Cell, list[str]]:
    """Each cell's runs in the suite's plan now (see ``CellStatus.run_ids``), in plan order."""
    return {plan.cell: cell_status(suite, plan, stored).run_ids() for plan in plans}
