"""One run outside a suite: ``talosbench train`` stores it, ``talosbench evaluate`` scores its saved weights.

A single run is stored like a suite's run, under ``<results-dir>/<name>/<run-id>/`` (``name`` is a
pseudo-suite, ``train`` by default), so ``report`` and ``plot`` read it as they read a suite's
results. The pseudo-suite records no plan: every run stored in it counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.errors import USAGE
from talosbench.results import (
    CELL_KEYS,
    PLAN_FILE,
    ResultsError,
    check_writable,
    environment,
    read_config,
    read_model,
    read_run,
    run_dir,
    suite_dir,
    write_run,
)
from talosbench.runner.execute import split_of


class SuiteFolderError(ResultsError):
    """A pseudo-suite name that is a suite's results folder: single runs would mix with its plan."""

    exit_code = USAGE


def check_destination(results_dir: Path, name: str) -> Path:
    """The folder single runs named ``name`` go to, checked before training: writable, not a suite's.

    Raises SuiteFolderError when ``talosbench run`` keeps a suite's results there (its ``plan.json``),
    ResultsWriteError when it cannot be written.
    """
    folder = suite_dir(results_dir, name)
    if (folder / PLAN_FILE).is_file():
        raise SuiteFolderError(
            f"{folder} holds the results of suite {name!r} (`talosbench run`); a single run stored there "
            "would mix with its plan: choose another --name"
        )
    check_writable(folder)
    return folder


def store(results_dir: Path, name: str, config: RunConfig, result: RunResult) -> Path:
    """Store a single run under ``<results-dir>/<name>/<run-id>/`` (replacing an earlier one); its folder."""
    directory = run_dir(results_dir, name, config.run_id)
    cell = {key: str(getattr(config, key)) for key in CELL_KEYS}
    write_run(directory, config, result, suite=name, cell=cell, environment=environment(result.device))
    return directory


@dataclass(frozen=True)
class Evaluation:
    """A stored run's saved weights scored again, beside the metrics its ``result.json`` holds."""

    directory: Path
    config: RunConfig
    now: dict[str, dict[str, float]]
    """``valid``, ``test`` and ``thresholds`` as scored now."""
    stored: dict[str, dict[str, float]]
    """The same groups as the run stored them (``valid`` is its ``best_valid``)."""

    def rows(self) -> list[tuple[str, str, float | None, float | None]]:
        """(group, metric, stored, now) for every metric of either side, test first."""
        out = []
        for group in ("test", "thresholds", "valid"):
            names = list(self.stored.get(group, {})) + [
                n for n in self.now.get(group, {}) if n not in self.stored.get(group, {})
            ]
            out += [(group, n, self.stored[group].get(n), self.now[group].get(n)) for n in names]
        return out

    def differences(self) -> list[tuple[str, str, float | None, float | None]]:
        """The rows whose value now is not exactly the stored one."""
        return [row for row in self.rows() if not _same(row[2], row[3])]


def evaluate_run(
    directory: Path,
    *,
    data_dir: Path | None = None,
    device: str | None = None,
    mirror: str | None = None,
    on_event: Callable[[str], None] | None = None,
) -> Evaluation:
    """Score the weights a run saved (``--save-model``) on the split it trained on, with the same evaluation.

    The split is rebuilt from the recorded dataset, scenario, split seed and preprocessing; ``device``
    replaces the recorded one. Raises ResultsError when the run kept no weights or its files do not
    belong to it.
    """
    from talosbench.train.run import score_model

    directory = Path(directory)
    config = read_config(directory)
    if device is not None:
        config = replace(config, device=device)
    tensors, _ = read_model(directory)
    record: dict[str, Any] = read_run(directory) or {}
    split = split_of(config, data_dir, mirror, on_event)
    scores = score_model(config, split, tensors)
    return Evaluation(
        directory=directory,
        config=config,
        now={"valid": scores.valid, "test": scores.test, "thresholds": scores.thresholds},
        stored={
            "valid": _floats(record.get("best_valid")),
            "test": _floats(record.get("test")),
            "thresholds": _floats(record.get("thresholds")),
        },
    )


def _same(stored: float | None, now: float | None) -> bool:
    """Exactly equal, or both NaN (a metric no user could be scored on)."""
    return stored == now or (stored is not None and now is not None and stored != stored and now != now)


def _floats(values: dict[str, Any] | None) -> dict[str, float]:
    """A stored metric group as floats; a metric stored as null (NaN) stays NaN, which equals nothing."""
    return {key: float("nan") if value is None else float(value) for key, value in (values or {}).items()}
