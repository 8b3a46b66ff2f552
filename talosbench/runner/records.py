"""The runner's records and its one listener protocol; imports nothing else from ``runner``, so no cycle can
run through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from talosbench.config import ENDED, RunConfig, RunResult
from talosbench.errors import FAILED, USAGE, TalosbenchError
from talosbench.suite import Cell, Point


class RunnerError(TalosbenchError, RuntimeError):
    """The grid cannot go on (a worker process died, no executor); completed runs are kept."""

    exit_code = FAILED


class RunnerUsageError(RunnerError):
    """Runner options that do not fit together (an executor's options without it, a bad --devices list)."""

    exit_code = USAGE


Curve = tuple[tuple[int, float], ...]
"""A run's validation curve: (epochs completed, validation metric) at each validation."""


@dataclass(frozen=True)
class Sibling:
    """A tuning trial of the cell that ended before the judged one started (``runner.prune``)."""

    status: str
    """``completed`` or ``pruned``."""
    curve: Curve
    """Its validation curve."""
    best: float
    """Its best validation metric (the value the study maximises)."""


@dataclass(frozen=True)
class Pruning:
    """What a tuning trial's job carries to be pruned (``runner.prune``): the pruner and the curves it is
    judged against, so that the decision depends on nothing but the job, wherever it trains."""

    pruner: str
    """``median`` or ``asha`` (``config.PRUNERS``)."""
    first_validation: int
    """Epochs before a trial's first validation (``eval_every``): ASHA's first rung."""
    siblings: tuple[Sibling, ...]
    """The cell's trials that precede this one and had ended, in the cell's trial order."""


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
    pruning: Pruning | None = None
    """A tuning trial's pruner and the curves it is judged against (set as it is handed to an executor,
    with ``[suite] pruner``), else None."""

    @property
    def run_id(self) -> str:
        return self.config.run_id

    def __str__(self) -> str:
        return f"{self.cell} seed {self.config.seed}" + (" (trial)" if self.role == "trial" else "")


@dataclass(frozen=True)
class Context:
    """Where runs read data and write results; picklable, so workers receive it."""

    results_dir: Path
    suite: str
    data_dir: Path | None = None
    mirror: str | None = None
    """Mirror base URL for the downloads of the prepare step before each run (``prepare_and_run``)."""
    shared_device: int = 1
    """How many runs may train at once on the device of each run (1: it has the device to itself).

    Set by the executor that places runs (``--jobs`` workers on one device, ``--gpus-per-run`` below 1
    in Ray); stored in the run's environment, never in its id, so the efficiency table can flag
    timings taken on a shared device.
    """


@dataclass
class Trained:
    """What training a job produced, before it is stored: picklable, so workers return it.

    It carries the whole ``RunResult`` (per-user values, history) to the process that stores it;
    ``Outcome`` is the little the grid keeps of it afterwards.
    """

    result: RunResult | None
    """The run's result; None when the run raised before producing one."""
    error: str | None = None
    """Why the run raised (configuration or data problems)."""
    seconds: float = 0.0
    """Wall time of the job, data preparation included."""


@dataclass(frozen=True)
class Outcome:
    """What the grid needs to know of a finished run (never its test metrics: tuning reads validation)."""

    run_id: str
    """The run's id (its configuration's hash)."""
    status: str
    """A RunResult status, or ``error`` when the run raised before producing a result."""
    error: str | None = None
    """Why it did not complete, when it did not."""
    best_valid: dict[str, float] = field(default_factory=dict)
    """Validation metrics at the best validation point: what tuning compares."""
    recorded: bool = True
    """Whether a result.json holds it (a raised run is not recorded, so a rerun retries it)."""
    reused: bool = False
    """Whether it was already complete before this invocation."""
    seconds: float = 0.0
    """Wall time of the run in this invocation."""
    curve: Curve = ()
    """The validation curve of a tuning trial under a pruner (what later trials are judged against)."""

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    @property
    def ended(self) -> bool:
        """Whether it ended as planned: completed, or pruned (never chosen, never a failure)."""
        return self.status in ENDED


@dataclass
class Summary:
    """What a grid invocation did."""

    total: int = 0
    """Runs in the plan, tuning trials included."""
    reused: int = 0
    """Runs that had completed (or been pruned) before this invocation (a stored failure counts in
    ``failed`` only)."""
    ran: int = 0
    """Runs trained now that completed or were pruned (one that failed, diverged, ran out of memory or
    raised counts in ``failed`` only, so ``ran + reused + len(failed)`` is the number of runs that ended)."""
    failed: list[tuple[Job, Outcome]] = field(default_factory=list)
    """Runs that did not complete (diverged, failed, oom, or raised), now or before, with their outcome."""
    unreachable: list[Cell] = field(default_factory=list)
    """Tuned cells whose every trial failed, so no final runs were trained."""
    seconds: float = 0.0
    """Wall time of the invocation."""


class Listener(Protocol):
    """Progress callbacks of a grid and its executors. Any object with these methods will do; a subclass
    inherits a no-op for each one it does not override."""

    def planned(self, total: int, done: int) -> None:
        """The grid holds ``total`` runs, ``done`` of which are already complete."""

    def started(self, job: Job) -> None:
        """A run begins training."""

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        """A run finished an epoch or a validation (``{"epoch", "epochs", "train_loss", "valid"}``), or moved
        on within an epoch (``{"epoch", "epochs", "batch", "batches"}``): ``train.trainer.EpochCallback``."""

    def finished(self, job: Job, outcome: Outcome) -> None:
        """A run ended (or was found complete: ``outcome.reused``)."""

    def chosen(self, cell: Cell, point: Point | None, trials: int) -> None:
        """Tuning chose ``point`` for ``cell`` on validation (None: every trial failed)."""

    def message(self, text: str) -> None:
        """A notice from data preparation or the runner."""

    def running(self, where: dict[str, int]) -> None:
        """Runs training now, per node (the Ray executor reports it when it changes)."""

    def damaged(self, job: Job, problem: str) -> None:
        """A stored run of ``job`` cannot be read (``problem`` names its folder): it is trained again."""


class SilentListener(Listener):
    """A listener that shows nothing: the grid's when none is given."""
