"""What the results store already holds of a suite's plan: each cell's stored runs, its trials so far and
its chosen point, without training anything (the dry run, the report's plan, a resume's starting point)."""

from __future__ import annotations

from collections import Counter
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
    from talosbench.results import MODEL_FILE, read_history, read_run, run_dir
    from talosbench.runner.prune import curve_of

    directory = run_dir(ctx.results_dir, ctx.suite, job.run_id)
    data = read_run(directory)
    if data is None or (job.config.save_model and not (directory / MODEL_FILE).is_file()):
        return None
    valid = {k: float(v) for k, v in (data.get("best_valid") or {}).items() if v is not None}
    curve = ()
    if job.config.pruner is not None:  # what later trials of the cell are judged against
        curve = curve_of(read_history(directory), job.config.valid_metric)
    return Outcome(job.run_id, str(data.get("status")), data.get("error"), valid, reused=True, curve=curve)


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
    return [
        count.status
        for count in count_cells(suite, results_dir, device=device, only=only, on_damaged=on_damaged)
    ]


@dataclass(frozen=True)
class CellCount:
    """A cell of ``talosbench status``: its dry-run status and how its stored runs ended."""

    status: CellStatus
    failed: int
    """Stored runs of the cell's plan now that ended failed, diverged or out of memory (not retrained)."""
    damaged: int
    """Stored runs of the cell that cannot be read (``talosbench run`` trains them again)."""
    trials_done: int = 0
    """Tuning trials of the cell stored (of ``status.plan.trial_count``; 0 in an untuned cell)."""
    pruned: int = 0
    """Tuning trials of the cell stored as pruned (``[suite] pruner``): done, among ``complete``."""

    @property
    def complete(self) -> int:
        """Runs of the cell's plan stored as completed (or, tuning trials, pruned)."""
        return self.status.done - self.failed

    @property
    def missing(self) -> int:
        """Runs still to train, damaged ones aside (a tuned cell's finals count once its point is known,
        and as its seeds before)."""
        return max(self.status.runs - self.status.done - self.damaged, 0)


def count_cells(
    suite: Suite,
    results_dir: str | Path,
    *,
    device: str | None = None,
    only: Sequence[str] = (),
    on_damaged: OnDamaged | None = None,
) -> list[CellCount]:
    """Each cell of ``suite``'s plan against ``results_dir``: complete, failed, damaged and missing runs."""
    damaged: Counter[Cell] = Counter()

    def seen(job: Job, error: DamagedRunError) -> None:
        damaged[job.cell] += 1
        if on_damaged is not None:
            on_damaged(job, error)

    stored = StoredOutcomes(Context(Path(results_dir), suite.name), seen)
    counts = []
    for plan in build_plan(suite, device=device, only=parse_only(suite, only)):
        status = cell_status(suite, plan, stored)
        outcomes = [stored.cache.get(run_id) for run_id in status.run_ids()]
        failed = sum(1 for o in outcomes if o is not None and not o.ended)
        pruned = sum(1 for o in outcomes if o is not None and o.status == "pruned")
        trials = sum(1 for job in status.plan.trials() if stored.cache.get(job.run_id) is not None)
        counts.append(CellCount(status, failed, damaged[plan.cell], trials, pruned))
    return counts


def current_runs(suite: Suite, results_dir: str | Path) -> list[str]:
    """The run ids ``suite`` expands to now against ``results_dir``: what ``run_suite`` records.

    Tuned cells list their trials, and their finals once every trial is stored and a point chosen.
    """
    stored = StoredOutcomes(Context(Path(results_dir), suite.name))
    return [rid for runs in cell_runs(suite, build_plan(suite), stored).values() for rid in runs]


def cell_runs(suite: Suite, plans: list[CellPlan], stored: StoredOutcomes) -> dict[Cell, list[str]]:
    """Each cell's runs in the suite's plan now (see ``CellStatus.run_ids``), in plan order."""
    return {plan.cell: cell_status(suite, plan, stored).run_ids() for plan in plans}
