"""Reading stored runs: a run's files, whether it is complete, and damage (a file that does not read).

A run whose files cannot be read (truncated by a full disk or a partial copy), belong to another run
(their run id is not the folder's) or hold a result no run writes (an unknown status, a completed run
without finite test metrics) is damaged: it counts as not complete, so ``run`` trains it again,
and ``collect`` reports it instead of failing.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.config import STATUSES, RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.layout import CONFIG_FILE, HISTORY_FILE, PER_USER_FILE, RESULT_FILE

SPLIT_COUNTS = ("users", "sizes", "dropped_cold", "cold_kept")
"""The parts of a run's split diagnostics that reports read as counts per part (train, valid, test)."""


def read_result(directory: Path) -> dict[str, Any] | None:
    """The run's ``result.json`` as a dict, or None when the run is not complete.

    Raises DamagedRunError when the file exists but does not hold a JSON object.
    """
    path = Path(directory) / RESULT_FILE
    if not path.exists():
        return None
    return _read_object(Path(directory), RESULT_FILE)


def read_run(directory: Path) -> dict[str, Any] | None:
    """``result.json`` of a complete run whose every file reads; None when the run is not complete.

    Raises DamagedRunError when any file of a run that has its completion marker cannot be read.
    """
    files = run_files(Path(directory))
    return None if files is None else files[0]


def is_complete(directory: Path) -> bool:
    """Whether the run in ``directory`` finished: its completion marker exists and every file reads."""
    try:
        return read_run(directory) is not None
    except DamagedRunError:
        return False


def read_config(directory: Path) -> RunConfig:
    """The ``RunConfig`` of a complete run, rebuilt from its ``config.json`` and checked against its run id.

    Raises ResultsError when the run is not complete or was stored by a version whose settings no
    longer rebuild the same run id, DamagedRunError when its files do not read.
    """
    directory = Path(directory)
    files = run_files(directory)
    if files is None:
        raise ResultsError(f"{directory} holds no complete run (no {RESULT_FILE})")
    data = files[1]
    known = {f.name for f in dataclasses.fields(RunConfig)}
    values = {key: value for key, value in data.items() if key in known}
    values["ks"] = tuple(values.get("ks") or ())
    try:
        config = RunConfig(**values)
    except (TypeError, ValueError) as error:
        raise ResultsError(f"{directory / CONFIG_FILE} rebuilds no run configuration ({error})") from None
    if config.run_id != directory.name:
        raise ResultsError(
            f"{directory / CONFIG_FILE} rebuilds run {config.run_id}, not {directory.name}: it was stored by "
            "a version of talosbench with other settings; train it again with this version"
        )
    return config


def find_run(results_dir: Path, reference: str | Path) -> Path:
    """The folder of a stored run: a run folder itself, ``SUITE/RUN_ID`` or a run id under ``results_dir``.

    Raises ResultsError when nothing or more than one suite's run matches.
    """
    path = Path(reference)
    if (path / RESULT_FILE).is_file() or (path / CONFIG_FILE).is_file():
        return path
    root = Path(results_dir)
    if (root / path / RESULT_FILE).is_file():
        return root / path
    found = sorted(p.parent for p in root.glob(f"*/{path.name}/{RESULT_FILE}")) if path.name else []
    if len(found) == 1 and len(path.parts) == 1:
        return found[0]
    if len(found) > 1 and len(path.parts) == 1:
        where = ", ".join(str(p.relative_to(root)) for p in found)
        raise ResultsError(f"run {reference} is stored in several suites ({where}); name it as SUITE/RUN_ID")
    raise ResultsError(
        f"no stored run at {reference}: not a run folder, nor a run id under {root}/; "
        "a run id is the name of a run's folder, <results-dir>/<suite>/<run-id>"
    )


def read_history(path: str | Path) -> pl.DataFrame:
    """A run's per-epoch history (an empty frame when the file is absent)."""
    return _read_parquet(Path(path), HISTORY_FILE)


def read_per_user(path: str | Path) -> pl.DataFrame:
    """A run's per-user test values (an empty frame when the file is absent)."""
    return _read_parquet(Path(path), PER_USER_FILE)


def run_files(directory: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``result.json`` and ``config.json`` of a complete run, after checking its tables read too.

    None when the run is not complete; raises DamagedRunError when any of its files does not read.
    """
    result = read_result(directory)
    if result is None:
        return None
    config = _read_object(directory, CONFIG_FILE)
    _check_owner(directory, result, config)
    _check_outcome(directory, result)
    for name in (HISTORY_FILE, PER_USER_FILE):
        if not (directory / name).is_file():
            raise DamagedRunError(directory, f"{name} is missing")
        _read_parquet(directory, name)
    return result, config


def _check_owner(directory: Path, result: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    """Both JSON files must belong to the run of their folder, whose name is the run's config hash.

    A ``result.json`` or ``config.json`` copied from another run (a careless ``cp``, a merge of two
    results folders) reads fine but would report that run's numbers under this configuration.
    Results of versions that recorded no run id are trusted as they are.
    """
    for name, data in ((RESULT_FILE, result), (CONFIG_FILE, config)):
        owner = data.get("run_id")
        if owner is not None and owner != directory.name:
            raise DamagedRunError(
                directory, f"{name} belongs to run {owner}, not to this folder's run {directory.name}"
            )


def _check_outcome(directory: Path, result: Mapping[str, Any]) -> None:
    """``result.json`` must hold an outcome a run writes, or the report would table numbers no run had.

    Every completed run has its test block; a non-finite metric is stored as null, and only a run that
    did not complete may carry one (a diverged run's last snapshot).
    """
    status = result.get("status")
    if status not in STATUSES:
        raise DamagedRunError(
            directory, f"{RESULT_FILE} has the unknown status {status!r} (a run ends {', '.join(STATUSES)})"
        )
    test = result.get("test") or {}
    if not isinstance(test, dict):
        raise DamagedRunError(directory, f"{RESULT_FILE} holds a test block that is no JSON object")
    if status == "completed" and not test:
        raise DamagedRunError(directory, f"{RESULT_FILE} of a completed run has no test metrics")
    for name, value in test.items():
        if value is None and status != "completed":
            continue
        if not _is_number(value):
            raise DamagedRunError(
                directory, f"{RESULT_FILE} has the test metric {name} = {value!r}, not a number"
            )
    valid = result.get("best_valid") or {}
    if not isinstance(valid, dict):
        raise DamagedRunError(directory, f"{RESULT_FILE} holds a best_valid block that is no JSON object")
    for name, value in valid.items():  # tuning chooses by these: null where a metric was not finite
        if value is not None and not _is_number(value):
            raise DamagedRunError(
                directory, f"{RESULT_FILE} has the validation metric {name} = {value!r}, not a number"
            )
    _check_split(directory, result.get("split"))


def _check_split(directory: Path, split: Any) -> None:
    """Split diagnostics, where a run has them, are a table whose ``SPLIT_COUNTS`` are tables of counts:
    the reports read them so (cold shares, validation users)."""
    if not split:
        return
    if not isinstance(split, dict):
        raise DamagedRunError(
            directory,
            f"{RESULT_FILE} holds split diagnostics no run writes: split is "
            f"{type(split).__name__}, not a table",
        )
    for key in SPLIT_COUNTS:
        counts = split.get(key)
        if counts is not None and not (
            isinstance(counts, dict)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values())
        ):
            raise DamagedRunError(
                directory,
                f"{RESULT_FILE} holds split diagnostics no run writes: split.{key} is not a table of counts",
            )


def _is_number(value: Any) -> bool:
    """A finite int or float (JSON's true and false are not metric values)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int past any float
        return False


def _read_object(directory: Path, name: str) -> dict[str, Any]:
    """A JSON object file of a run; anything else (absent, truncated, not an object) is damage."""
    try:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DamagedRunError(directory, f"{name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DamagedRunError(directory, f"{name} cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise DamagedRunError(directory, f"{name} holds no JSON object")
    return data


def _read_parquet(directory: Path, name: str) -> pl.DataFrame:
    """A run's table (empty when absent); one that does not read (e.g. truncated) is damage."""
    path = directory / name
    if not path.is_file():
        return pl.DataFrame()
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError, pl.exceptions.PanicException) as error:
        # polars panics (rather than raising) on some inconsistent files; both mean the same here.
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DamagedRunError(directory, f"{name} cannot be read ({first})") from None
