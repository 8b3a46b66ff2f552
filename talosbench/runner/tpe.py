"""``[suite] sampler = "tpe"``: Optuna's TPE sampler proposes a cell's trials one at a time.

The results store is the study's memory: a study starts empty, with a sampler seeded by the cell's
grid and the tuning seed, and is told each trial's stored outcome in the order it proposed them. A
rerun therefore replays the same proposals and goes on where the last invocation stopped, and an
uninterrupted run and an interrupted-then-resumed one train the same points in the same order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from types import ModuleType
from typing import Any

from talosbench.runner.records import Outcome, RunnerUsageError
from talosbench.suite import Point, Suite

MAX_REPEATS = 100
"""Proposals of already tried points in a row before the study falls back to grid order."""


def require_optuna(
    setting: str = 'sampler = "tpe"', without: str = "to tune on the seeded grid draw"
) -> ModuleType:
    """The ``optuna`` module, imported on first use; a clear usage error naming the ``[suite]`` ``setting``
    that needs it when it is not installed (``without``: what removing the setting does)."""
    try:
        import optuna
    except ImportError:
        raise RunnerUsageError(
            f'[suite] {setting} needs Optuna, which is not installed: pip install "talosbench[tune]" '
            f"(or remove {setting} {without})"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial on the console
    return optuna


def study_seed(suite: Suite, candidates: list[Point]) -> int:
    """The sampler's seed: from the grid's labels and values and the tuning seed, never the cell's names,
    so identical grids get identical proposals (as the grid sampler's draws do)."""
    grid_dims = candidates[0].dims
    content = json.dumps([suite.tuning_seed, [[d.label, [repr(v) for v in d.values]] for d in grid_dims]])
    return int.from_bytes(hashlib.sha256(content.encode()).digest()[:4], "big")


def score(suite: Suite, outcome: Outcome) -> float | None:
    """The value the study maximises: the validation metric of a completed trial; None = failed."""
    value = outcome.best_valid.get(suite.valid_metric) if outcome.ok else None
    return value if value is not None and value == value else None  # NaN counts as failed


class Study:
    """One cell's TPE study over its full grid: ``ask`` the next untried point, ``tell`` its outcome."""

    def __init__(self, suite: Suite, candidates: list[Point], budget: int) -> None:
        optuna = require_optuna()
        self.suite, self.candidates, self.budget = suite, candidates, min(budget, len(candidates))
        dims = candidates[0].dims
        # Indices stand for the values: TPE treats categories as unordered, and any value type fits.
        self.distributions = {
            d.label: optuna.distributions.CategoricalDistribution(tuple(range(len(d.values)))) for d in dims
        }
        sampler = optuna.samplers.TPESampler(seed=study_seed(suite, candidates))
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        ranges = itertools.product(*(range(len(d.values)) for d in dims))
        self.index = dict(zip(candidates, ranges, strict=True))
        """Each point's value indices, the parameters the study sees."""
        self.tried: dict[Point, float | None] = {}
        """Points told so far, in proposal order, with their score (None: failed)."""
        self.asked: Point | None = None
        self._trial: Any = None

    @property
    def points(self) -> list[Point]:
        return list(self.tried)

    def ask(self) -> Point | None:
        """The next point to train, not tried before; None once the budget is spent."""
        if len(self.tried) >= self.budget:
            return None
        for _ in range(MAX_REPEATS):
            trial = self.study.ask(self.distributions)
            point = self._point(trial.params)
            if point not in self.tried:
                self.asked, self._trial = point, trial
                return point
            self._tell(trial, self.tried[point])  # already trained: the study learns its value again
        # TPE keeps proposing trained points (a nearly exhausted grid): take the next one in grid order.
        self.asked, self._trial = next(p for p in self.candidates if p not in self.tried), None
        return self.asked

    def tell(self, point: Point, outcome: Outcome) -> None:
        """The outcome of the trial at ``point``, the one ``ask`` returned last."""
        if point != self.asked:
            raise ValueError(f"told {point.as_dict()} but the study asked for {self.asked}")
        value = score(self.suite, outcome)
        self.tried[point] = value
        if self._trial is None:  # a grid-order fallback: the study learns it as a finished trial
            self._add(point, value)
        else:
            self._tell(self._trial, value)
        self.asked = self._trial = None

    def _tell(self, trial: Any, value: float | None) -> None:
        from optuna.trial import TrialState

        if value is None:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            self.study.tell(trial, value)

    def _add(self, point: Point, value: float | None) -> None:
        from optuna.trial import TrialState, create_trial

        params = dict(zip(self.distributions, self.index[point], strict=True))
        state = TrialState.FAIL if value is None else TrialState.COMPLETE
        trial = create_trial(params=params, distributions=self.distributions, value=value, state=state)
        self.study.add_trial(trial)

    def _point(self, params: dict[str, Any]) -> Point:
        dims = self.candidates[0].dims
        return Point(dims, tuple(d.values[params[d.label]] for d in dims))
