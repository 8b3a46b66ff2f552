"""``[suite] pruner``: Optuna's pruners stop a tuning trial whose validation curve falls behind.

A trial is judged at each of its validations against the trials of its cell that precede it (in the
cell's trial order) and had ended when it started: their validation curves travel with the job
(``Pruning``), are replayed into an in-memory Optuna study one trial after the other, and the study's
pruner decides, so the decision is Optuna's own and depends on nothing but the job. With ``--jobs 1``
every preceding trial has ended when a trial starts, so which trials are pruned is fixed by the suite;
with several jobs a trial meets only those that ended before it started (see docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

from talosbench.config import ENDED
from talosbench.runner.records import Curve, Job, Outcome, Pruning, Sibling
from talosbench.suite import Suite

if TYPE_CHECKING:
    import polars as pl

Decide = Callable[[int, float], bool]
"""Whether a trial stops now, given its epochs completed and its validation metric there."""


def require_pruner(name: str) -> ModuleType:
    """The ``optuna`` module, or the usage error naming ``[suite] pruner`` when it is not installed."""
    from talosbench.runner.tpe import require_optuna

    return require_optuna(f'pruner = "{name}"', "to train every trial to its end")


def curve_of(history: pl.DataFrame, metric: str) -> Curve:
    """The validation curve a run's history holds: each validated epoch and its ``metric``."""
    column = f"valid_{metric}"
    if history.is_empty() or column not in history.columns:
        return ()
    rows = history.select("epoch", column).drop_nulls().iter_rows()
    return tuple((int(epoch), float(value)) for epoch, value in rows)


def decider(pruning: Pruning) -> Decide:
    """The judgement of a running trial: Optuna's pruner over its siblings' replayed curves."""
    optuna = require_pruner(pruning.pruner)
    from optuna.trial import TrialState

    study = optuna.create_study(
        direction="maximize",
        pruner=_pruner(optuna, pruning),
        sampler=optuna.samplers.RandomSampler(seed=0),  # asked for no parameter: never draws
    )
    for sibling in pruning.siblings:
        trial = study.ask()
        for step, value in sibling.curve:
            trial.report(value, step)
            trial.should_prune()  # ASHA records the rungs a trial reached as it reports
        if sibling.status == "pruned":
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, sibling.best)
    running = study.ask()

    def decide(epoch: int, value: float) -> bool:
        running.report(value, epoch)
        return bool(running.should_prune())

    return decide


def _pruner(optuna: ModuleType, pruning: Pruning) -> Any:
    """Optuna's pruner by name, at its defaults; ASHA's first rung at the first validation."""
    if pruning.pruner == "median":
        return optuna.pruners.MedianPruner()
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=pruning.first_validation)


def siblings(outcomes: list[Outcome | None], metric: str) -> tuple[Sibling, ...]:
    """The trials among ``outcomes`` (in the cell's trial order; None: not ended) that ended as planned;
    a failed one has nothing to compare."""
    return tuple(
        Sibling(o.status, o.curve, o.best_valid.get(metric, float("nan")))
        for o in outcomes
        if o is not None and o.status in ENDED and o.curve
    )


def with_pruning(suite: Suite, job: Job, trials: list[Job], outcomes: dict[str, Outcome]) -> Job:
    """Tuning trial ``job`` of a suite with a pruner, carrying the curves of the trials before it in its
    cell's ``trials`` (all of them when it is not listed yet: a TPE proposal) that have ended."""
    assert suite.pruner is not None
    ids = [trial.run_id for trial in trials]
    before = ids[: ids.index(job.run_id)] if job.run_id in ids else ids
    ended = siblings([outcomes.get(run_id) for run_id in before], suite.valid_metric)
    return replace(job, pruning=Pruning(suite.pruner, job.config.eval_every, ended))
