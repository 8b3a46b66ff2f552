"""The report frame: every complete run under a results folder as one row of a Polars frame."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from talosbench.config import PER_LOSS_KEYS, UNIDENTIFYING, RunConfig
from talosbench.results.errors import DamagedRunError, ResultsError
from talosbench.results.layout import CELL_KEYS, CONFIG_FILE, RESULT_FILE
from talosbench.results.read import run_files

THRESHOLD_KEYS = ("threshold_error", "mean_threshold", "mean_pos_score", "mean_neg_score")
TIMING_KEYS = (
    "train_seconds_per_epoch",
    "train_seconds_total",
    "eval_seconds",
    "wall_seconds",
    "prepare_seconds",
)
MEMORY_KEYS = ("host_peak_bytes", "device_peak_bytes")
POINT = "point."
"""Prefix of the ``collect`` columns holding a run's tuning point, one column per tuned setting."""

# The fixed columns of ``collect``; test_<metric> / valid_<metric> columns follow ``epochs``.
_HEAD: dict[str, type[pl.DataType]] = {
    "run_id": pl.String,
    "suite": pl.String,
    "role": pl.String,
    "status": pl.String,
    "error": pl.String,
    "dataset": pl.String,
    "scenario": pl.String,
    "backbone": pl.String,
    "loss": pl.String,
    "loss_name": pl.String,
    "seed": pl.Int64,
    "params": pl.String,
    "tuning_stage": pl.Int64,  # 1 or 2 in a two-stage cell; null: one stage, or untuned
    "tuning_values": pl.String,  # JSON: each tuned setting's number of grid values; null: not recorded
    "tuning_budget": pl.Int64,
    "tuning_grid": pl.Int64,
    "best_epoch": pl.Int64,
    "epochs": pl.Int64,
}
_TAIL: dict[str, type[pl.DataType]] = {
    **dict.fromkeys(TIMING_KEYS, pl.Float64),
    **dict.fromkeys(MEMORY_KEYS, pl.Int64),
    **dict.fromkeys(THRESHOLD_KEYS, pl.Float64),
    "device": pl.String,
    "shared_device": pl.Int64,  # runs that could train at once on the run's device; null: not recorded
    "threads": pl.Int64,  # torch CPU threads of the training process; null: stored before it was recorded
    "split": pl.String,
    "setting": pl.String,
    "path": pl.String,
}
_METRIC_ORDER = ("precision", "recall", "ndcg", "mrr", "hit", "hitratio")


def collect(
    results_dir: Path,
    *,
    keep: Callable[[Path], bool] | None = None,
    on_damaged: Callable[[DamagedRunError], None] | None = None,
) -> pl.DataFrame:
    """One row per complete run under a results root (suite subdirectories) or a single suite dir.

    ``keep`` chooses run directories before they are read. A damaged run is passed to ``on_damaged``
    and left out; without ``on_damaged`` it raises DamagedRunError.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise ResultsError(f"results directory {root} does not exist; run `talosbench run SUITE.toml` first")
    markers = sorted({*root.glob(f"*/{RESULT_FILE}"), *root.glob(f"*/*/{RESULT_FILE}")})
    rows = list(_rows((m.parent for m in markers if keep is None or keep(m.parent)), on_damaged))
    metrics = {key for row in rows for key in row if key.startswith(("test_", "valid_"))}
    test = sorted((m for m in metrics if m.startswith("test_")), key=metric_sort_key)
    valid = sorted((m for m in metrics if m.startswith("valid_")), key=metric_sort_key)
    schema = {**_HEAD, **dict.fromkeys(test + valid, pl.Float64), **_TAIL}
    columns = {name: [row.get(name) for row in rows] for name in schema}
    frame = pl.DataFrame(columns, schema=schema)
    # One typed column per tuned setting (``point.tau``, ``point.backbone.layers``), null where a
    # run did not tune it; they follow ``tuning_grid``.
    labels = sorted({key for row in rows for key in row if key.startswith(POINT)})
    points = [pl.Series(label, [row.get(label) for row in rows], strict=False) for label in labels]
    at = frame.columns.index("tuning_grid") + 1
    return frame.select(frame.columns[:at]).hstack(points).hstack(frame.select(frame.columns[at:]))


def point_columns(frame: pl.DataFrame) -> list[str]:
    """The ``point.<setting>`` columns of a ``collect`` frame, in name order."""
    return [name for name in frame.columns if name.startswith(POINT)]


def metric_sort_key(name: str) -> tuple[int, str, int]:
    """Order metric names precision, recall, ndcg, mrr, hit, then by cut-off."""
    bare = name.split("_", 1)[1] if name.startswith(("test_", "valid_")) else name
    family, _, k = bare.partition("@")
    rank = _METRIC_ORDER.index(family) if family in _METRIC_ORDER else len(_METRIC_ORDER)
    return rank, family, int(k) if k.isdigit() else 0


def _rows(
    directories: Iterable[Path], on_damaged: Callable[[DamagedRunError], None] | None
) -> Iterable[dict[str, Any]]:
    for directory in directories:
        try:
            row = _row(directory)
            if row is not None:
                _check_types(directory, row)
        except DamagedRunError as error:
            if on_damaged is None:
                raise
            on_damaged(error)
            continue
        if row is not None:
            yield row


def _setting(config: Mapping[str, Any]) -> str | None:
    """The run configuration without its seed (and device, ...): every final run of one cell shares it."""
    fields = [f.name for f in dataclasses.fields(RunConfig) if f.name not in ("seed", *UNIDENTIFYING)]
    return json.dumps({name: config.get(name) for name in fields}, sort_keys=True, default=str)


def _check_types(directory: Path, row: Mapping[str, Any]) -> None:
    """A value of the wrong type (a hand edit: a seed past 64 bits, text for a number) is damage to its
    run: left to the frame, it would stop the report of every run and suite read with it. So is a
    missing cell key or seed, which every run records."""
    for name in (*CELL_KEYS, "seed"):
        if row.get(name) is None:
            raise DamagedRunError(
                directory, f"{RESULT_FILE} and {CONFIG_FILE} do not record the run's {name}"
            )
    for name, kind in {**_HEAD, **_TAIL}.items():
        value = row.get(name)
        if value is None or (kind is pl.String and isinstance(value, str)):
            continue
        fits_int = isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
        if fits_int if kind is pl.Int64 else (kind is pl.Float64 and isinstance(value, float)):
            continue
        raise DamagedRunError(
            directory, f"{RESULT_FILE} or {CONFIG_FILE} holds {name} = {value!r}, a value no run writes"
        )


def _row(directory: Path) -> dict[str, Any] | None:
    try:
        return _raw_row(directory)
    except DamagedRunError:
        raise
    except (TypeError, ValueError, OverflowError, AttributeError) as error:  # text where a number belongs
        raise DamagedRunError(
            directory, f"{RESULT_FILE} or {CONFIG_FILE} holds a value no run writes ({error})"
        ) from None


def _raw_row(directory: Path) -> dict[str, Any] | None:
    files = run_files(directory)
    if files is None:
        return None
    result, config = files
    cell = result.get("cell") or config.get("cell") or {}
    tuning = result.get("tuning") or {}
    point = tuning.get("point")
    params = {key: config.get(key) for key in ("loss_params", *PER_LOSS_KEYS)}  # what a loss table sets
    params["backbone_params"] = config.get("backbone_params")
    row: dict[str, Any] = {
        "run_id": result.get("run_id", directory.name),
        "suite": result.get("suite", directory.parent.name),
        "role": result.get("role", "final"),
        "status": result.get("status"),
        "error": result.get("error"),
        **{key: cell.get(key, config.get(key)) for key in CELL_KEYS},
        "loss_name": config.get("loss", cell.get("loss")),
        "seed": config.get("seed"),
        "params": json.dumps(params, sort_keys=True, default=str),
        **{f"{POINT}{label}": value for label, value in (point or {}).items()},
        "tuning_stage": tuning.get("stage"),
        "tuning_values": json.dumps(tuning["values"], sort_keys=True) if tuning.get("values") else None,
        "tuning_budget": tuning.get("budget"),
        "tuning_grid": tuning.get("grid"),  # the full grid's size; absent in runs stored before it
        "best_epoch": result.get("best_epoch"),
        "epochs": result.get("epochs"),
        "device": result.get("device"),
        "shared_device": (result.get("environment") or {}).get("shared_device"),
        "threads": result.get("threads"),
        "split": json.dumps(result["split"], sort_keys=True) if result.get("split") else None,
        "setting": _setting(config),
        "path": str(directory),
    }
    row.update({f"test_{key}": _float(value) for key, value in (result.get("test") or {}).items()})
    row.update({f"valid_{key}": _float(value) for key, value in (result.get("best_valid") or {}).items()})
    for group, keys in (("timings", TIMING_KEYS), ("thresholds", THRESHOLD_KEYS)):
        values = result.get(group) or {}
        row.update({key: _float(values.get(key)) for key in keys})
    memory = result.get("memory") or {}
    row.update({key: None if memory.get(key) is None else round(memory[key]) for key in MEMORY_KEYS})
    return row


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
