"""Storing one run: its files written atomically, ``result.json`` last because it marks the run complete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.data import store
from talosbench.results.errors import cannot_write
from talosbench.results.layout import (
    CELL_KEYS,
    CONFIG_FILE,
    HISTORY_FILE,
    MODEL_FILE,
    PER_USER_FILE,
    RESULT_FILE,
    ROLES,
)
from talosbench.results.model_file import model_bytes
from talosbench.results.strict_json import json_bytes


def write_run(
    directory: Path,
    config: RunConfig,
    result: RunResult,
    *,
    suite: str,
    cell: Mapping[str, str],
    role: str = "final",
    tuning: Mapping[str, Any] | None = None,
    environment: Mapping[str, Any] | None = None,
) -> None:
    """Store one run; ``result.json`` goes last and atomically because it marks the run complete."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    missing = [key for key in CELL_KEYS if key not in cell]
    if missing:
        raise ValueError(f"cell lacks {', '.join(missing)}; it needs {', '.join(CELL_KEYS)}")
    directory = Path(directory)
    try:
        _write_files(directory, config, result, suite, cell, role, tuning, environment)
    except OSError as exc:
        raise cannot_write(directory, exc) from None


def _write_files(
    directory: Path,
    config: RunConfig,
    result: RunResult,
    suite: str,
    cell: Mapping[str, str],
    role: str,
    tuning: Mapping[str, Any] | None,
    environment: Mapping[str, Any] | None,
) -> None:
    """The four files of one run, each atomic; any OSError is left to ``write_run`` to phrase."""
    directory.mkdir(parents=True, exist_ok=True)
    # A rerun (--force) must not look complete while its new files are half written.
    (directory / RESULT_FILE).unlink(missing_ok=True)
    cell_data = {key: str(cell[key]) for key in CELL_KEYS}
    tuning_data = dict(tuning) if tuning is not None else None
    config_data = {
        **config.to_record(),
        "run_id": config.run_id,
        "suite": suite,
        "cell": cell_data,
        "role": role,
        "tuning": tuning_data,
    }
    store.atomic_write_bytes(directory / CONFIG_FILE, json_bytes(config_data))
    store.atomic_write_parquet(directory / HISTORY_FILE, result.history)
    store.atomic_write_parquet(directory / PER_USER_FILE, result.per_user)
    if result.model:
        store.atomic_write_bytes(directory / MODEL_FILE, model_bytes(config, result.model))
    else:  # weights of an earlier training of this configuration are not this run's
        (directory / MODEL_FILE).unlink(missing_ok=True)
    record = {
        "run_id": config.run_id,
        "suite": suite,
        "role": role,
        "cell": cell_data,
        **result.to_record(),
        "tuning": tuning_data,
        "environment": dict(environment) if environment is not None else None,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    store.atomic_write_bytes(directory / RESULT_FILE, json_bytes(record))  # last: it marks the run complete
