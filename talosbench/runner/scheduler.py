"""The grid's scheduler: asks each cell what it needs, trains it on an executor, tells it each outcome."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool

from talosbench.results import suite_dir, write_plan
from talosbench.runner.cell_state import CellState, Choice, cell_state
from talosbench.runner.options import Executor
from talosbench.runner.plan import CellPlan, total_runs
from talosbench.runner.prune import with_pruning
from talosbench.runner.records import Context, Job, Listener, Outcome, RunnerError, Summary
from talosbench.runner.status import StoredOutcomes
from talosbench.suite import Cell, Suite


class Scheduler:
    """Runs the cells of ``plans`` to their finals; a cell's own state decides what it needs next.

    A run already stored is not trained again (unless ``force``): its outcome is told at once, so a
    rerun resumes where the last one stopped. ``runs`` is the whole suite's plan (``--only`` keeps
    fewer cells), rewritten in the results store as cells choose their points and propose trials.
    """

    def __init__(
        self,
        suite: Suite,
        ctx: Context,
        plans: list[CellPlan],
        runs: dict[Cell, list[str]],
        *,
        listener: Listener,
        stored: StoredOutcomes,
        force: bool = False,
    ) -> None:
        self.suite, self.ctx, self.listener, self.stored, self.force = suite, ctx, listener, stored, force
        self.cells = {plan.cell: cell_state(suite, plan) for plan in plans}
        self.runs = runs
        """Each cell's runs in the suite's plan now (what ``plan.json`` lists), the whole suite's."""
        self.queue: deque[Job] = deque()
        """Jobs waiting for a free slot of the executor, in the order the cells asked for them."""
        self.running: dict[Future[Outcome], Job] = {}
        """Jobs in training."""
        self.jobs: dict[str, Job] = {}
        """Every job handed out, by run id: executors report progress by run id."""
        self.summary = Summary(total=total_runs(plans))

    def write_plan(self) -> None:
        """Record the suite's runs as they stand; its report leaves every other stored run out."""
        runs_now = [rid for ids in self.runs.values() for rid in ids]
        evaluation = {"metrics": self.suite.eval.metrics, "ks": self.suite.eval.ks}
        write_plan(
            suite_dir(self.ctx.results_dir, self.ctx.suite),
            runs_now,
            self.suite.source,
            evaluation,
            cells=[cell.key() for cell in self.runs],
            seeds=self.suite.seeds,
        )

    def run(self, executor: Executor) -> Summary:
        """Train every cell to its end on ``executor`` (which the caller shuts down); what was done."""
        started = time.perf_counter()
        for state in self.cells.values():
            self.advance(state)
        while self.queue or self.running:
            self.submit(executor)
            self.collect(executor)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def advance(self, state: CellState) -> None:
        """Hand out what the cell needs until it waits: a stored run is told at once, the rest queued."""
        while step := state.next_step():
            if step.choice is not None:
                self.chosen(state, step.choice)
            for job in step.jobs:
                self.jobs[job.run_id] = job
                outcome = None if self.force else self.stored(job)
                if outcome is not None:
                    self.record(state, job, outcome)
                    continue
                if step.proposed:  # the report counts a proposal as soon as it trains
                    runs = [*state.run_ids(), job.run_id]  # a second stage's are in run_ids already
                    self.runs[state.plan.cell] = list(dict.fromkeys(runs))
                    self.write_plan()
                self.queue.append(job)

    def chosen(self, state: CellState, choice: Choice) -> None:
        """A cell's point is chosen: its finals join the plan (an unreachable cell has none)."""
        self.listener.chosen(state.plan.cell, choice.point, choice.trials)
        if choice.point is None:
            self.summary.unreachable.append(state.plan.cell)
            return
        self.runs[state.plan.cell] = state.run_ids()
        self.write_plan()

    def submit(self, executor: Executor) -> None:
        """Fill the executor's free slots from the queue."""
        while self.queue and len(self.running) < executor.slots:
            job = self.queue.popleft()
            if self.suite.pruner is not None and job.role == "trial":  # judged against what has ended now
                state = self.cells[job.cell]
                job = with_pruning(self.suite, job, state.tried().trials(), state.outcomes)
            self.running[executor.submit(job)] = job

    def collect(self, executor: Executor) -> None:
        """Wait briefly for runs to end, relaying progress meanwhile; tell each ended run's cell."""
        done, _ = wait(self.running, timeout=0.2, return_when=FIRST_COMPLETED)
        executor.poll(self.jobs)
        for future in done:
            job = self.running.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool as exc:
                raise RunnerError(
                    f"a worker process died while training {job} (killed for memory?); every "
                    "completed run is kept: rerun the same command to resume"
                ) from exc
            self.record(self.cells[job.cell], job, outcome)
            self.advance(self.cells[job.cell])

    def record(self, state: CellState, job: Job, outcome: Outcome) -> None:
        """Count an ended run, show it, and tell its cell."""
        if not outcome.ended:
            self.summary.failed.append((job, outcome))
        elif outcome.reused:
            self.summary.reused += 1
        else:
            self.summary.ran += 1
        self.listener.finished(job, outcome)
        state.tell(job, outcome)
