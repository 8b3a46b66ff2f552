"""The results store: one directory per run, written atomically, collected into one Polars frame.

Layout: ``<results-dir>/<suite>/<run-id>/`` holds ``config.json``, ``history.parquet``,
``per_user.parquet``, ``model.safetensors`` when the run's weights were kept, and ``result.json``.
``result.json`` is written last and atomically, so its presence is the completion marker: a directory
without it is an unfinished run and is ignored. A run whose files cannot be read (truncated by a full
disk or a partial copy) or belong to another run (their run id is not the folder's) is damaged: it
counts as not complete, so ``run`` trains it again, and ``collect`` reports it instead of failing.
``<suite>/plan.json`` records which runs the suite expanded to at its last ``run``, so that runs of an
edited suite can be left out of its report.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import math
import platform
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from talosbench import __version__
from talosbench.config import PER_LOSS_KEYS, UNIDENTIFYING, RunConfig, RunResult
from talosbench.data import store
from talosbench.errors import USAGE, TalosbenchError
from talosbench.paths import check_name, inside

RESULT_FILE = "result.json"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.parquet"
PER_USER_FILE = "per_user.parquet"
PLAN_FILE = "plan.json"
MODEL_FILE = "model.safetensors"
MODEL_FORMAT = "talosbench-model/1"
"""The ``format`` metadata of a weights file: what ``read_model`` can read."""
ROLES = ("trial", "final")
CELL_KEYS = ("dataset", "scenario", "backbone", "loss")
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


class ResultsError(TalosbenchError, ValueError):
    """A results directory or run file that cannot be read."""

    exit_code = USAGE


class ResultsWriteError(TalosbenchError, RuntimeError):
    """A results directory that cannot be written (read-only, full disk, name too long): nothing more fits."""

    exit_code = USAGE  # found before any run trains: choose another --results-dir


# What to do about a failed write, by errno; anything else is a permission or path problem.
_WRITE_ADVICE = {
    errno.ENOSPC: "free some space or choose another --results-dir",
    errno.EDQUOT: "free some space or choose another --results-dir",
    errno.ENAMETOOLONG: "choose a shorter --results-dir",
}


class DamagedRunError(ResultsError):
    """A run that has its completion marker but a file that cannot be read: it must be trained again."""

    def __init__(self, directory: Path, problem: str) -> None:
        self.directory = Path(directory)
        self.problem = problem
        """What is wrong, e.g. ``per_user.parquet cannot be read (...)``."""
        super().__init__(f"{directory}: {problem}; rerun `talosbench run SUITE.toml` to redo the run")


def suite_dir(results_dir: Path, suite: str) -> Path:
    """The folder of one suite's results, ``<results-dir>/<suite>``, checked to lie inside ``results_dir``."""
    return inside(results_dir, Path(results_dir) / check_name(suite, "suite name"))


def run_dir(results_dir: Path, suite: str, run_id: str) -> Path:
    """The directory of one run, ``<results-dir>/<suite>/<run-id>``, checked to lie inside ``results_dir``.

    Every file of the results store is written under one of these two folders, so no suite name or
    run id can place a write (or the removal of a stale ``result.json``) outside the results directory.
    """
    return inside(results_dir, suite_dir(results_dir, suite) / check_name(run_id, "run id"))


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


def check_writable(directory: Path) -> None:
    """Create ``directory`` and prove that a file can be written there, before any training depends on it.

    Raises ResultsWriteError; the probe file is removed either way.
    """
    directory = Path(directory)
    try:
        store.atomic_write_bytes(directory / ".write-check", b"talosbench\n")
        (directory / ".write-check").unlink(missing_ok=True)  # a grid started beside this one may race us
    except OSError as exc:
        raise cannot_write(directory, exc) from None


def cannot_write(directory: Path, exc: OSError) -> ResultsWriteError:
    """The one message of a failed write: the folder, the system's reason, and what to do."""
    reason = exc.strerror or str(exc)
    advice = _WRITE_ADVICE.get(exc.errno or 0, "choose another --results-dir or fix its permissions")
    return ResultsWriteError(f"cannot write to {directory}: {reason}; {advice}")


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
        **dataclasses.asdict(config),
        "run_id": config.run_id,
        "suite": suite,
        "cell": cell_data,
        "role": role,
        "tuning": tuning_data,
    }
    store.atomic_write_bytes(directory / CONFIG_FILE, _dumps(config_data))
    store.atomic_write_parquet(directory / HISTORY_FILE, result.history)
    store.atomic_write_parquet(directory / PER_USER_FILE, result.per_user)
    if result.model:
        store.atomic_write_bytes(directory / MODEL_FILE, _model_bytes(config, result.model))
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
    store.atomic_write_bytes(directory / RESULT_FILE, _dumps(record))  # last: it marks the run complete


def _model_bytes(config: RunConfig, tensors: Mapping[str, Any]) -> bytes:
    """A safetensors file of the run's weights; its metadata holds the configuration that rebuilds them."""
    from safetensors.torch import save

    metadata = {
        "format": MODEL_FORMAT,
        "talosbench": __version__,
        "run_id": config.run_id,
        "config": json.dumps({**config.identity(), "device": config.device}, sort_keys=True, default=str),
    }
    return save(dict(tensors), metadata=metadata)


def read_model(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The weights ``write_run`` kept for the run in ``directory`` (CPU tensors) and their metadata.

    Raises ResultsError when the run kept none, and DamagedRunError when the file does not read or
    belongs to another run.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    directory = Path(directory)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ResultsError(
            f"{directory} holds no saved model; train the run again with `talosbench train ... --save-model`"
        )
    try:
        data = path.read_bytes()
        tensors = load(data)
        metadata = _model_metadata(data)
    except (OSError, SafetensorError, ValueError) as error:
        raise DamagedRunError(directory, f"{MODEL_FILE} cannot be read ({error})") from None
    if metadata.get("format") != MODEL_FORMAT:
        raise DamagedRunError(directory, f"{MODEL_FILE} is not a {MODEL_FORMAT} file")
    if metadata.get("run_id") != directory.name:
        raise DamagedRunError(
            directory, f"{MODEL_FILE} belongs to run {metadata.get('run_id')}, not to this folder's run"
        )
    return tensors, metadata


def _model_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file: its header is an 8-byte length and a JSON object."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    return dict(header.get("__metadata__") or {})


def read_config(directory: Path) -> RunConfig:
    """The ``RunConfig`` of a complete run, rebuilt from its ``config.json`` and checked against its run id.

    Raises ResultsError when the run is not complete or was stored by a version whose settings no
    longer rebuild the same run id, DamagedRunError when its files do not read.
    """
    directory = Path(directory)
    files = _read_files(directory)
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
    files = _read_files(Path(directory))
    return None if files is None else files[0]


def is_complete(directory: Path) -> bool:
    """Whether the run in ``directory`` finished: its completion marker exists and every file reads."""
    try:
        return read_run(directory) is not None
    except DamagedRunError:
        return False


def environment(device: str) -> dict[str, Any]:
    """Versions, platform, device name and git commit, to store beside a run's result."""
    import torch

    name = cpu_model()
    if device.startswith("cuda") and torch.cuda.is_available():
        index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
        name = torch.cuda.get_device_name(index)
    return {
        "talosbench": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": device,
        "device_name": name,
        "cpu": cpu_model(),  # the host's, also on a GPU run: data loading and sampling run there
        "git_commit": _git_commit(),
    }


def cpu_model() -> str:
    """This machine's CPU model name (Linux ``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: platform's answer below
    return platform.processor() or platform.machine() or "cpu"


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


def _rows(
    directories: Iterable[Path], on_damaged: Callable[[DamagedRunError], None] | None
) -> Iterable[dict[str, Any]]:
    for directory in directories:
        try:
            row = _row(directory)
        except DamagedRunError as error:
            if on_damaged is None:
                raise
            on_damaged(error)
            continue
        if row is not None:
            yield row


def metric_sort_key(name: str) -> tuple[int, str, int]:
    """Order metric names precision, recall, ndcg, mrr, hit, then by cut-off."""
    bare = name.split("_", 1)[1] if name.startswith(("test_", "valid_")) else name
    family, _, k = bare.partition("@")
    rank = _METRIC_ORDER.index(family) if family in _METRIC_ORDER else len(_METRIC_ORDER)
    return rank, family, int(k) if k.isdigit() else 0


def read_history(path: str | Path) -> pl.DataFrame:
    """A run's per-epoch history (an empty frame when the file is absent)."""
    return _read_parquet(Path(path), HISTORY_FILE)


def read_per_user(path: str | Path) -> pl.DataFrame:
    """A run's per-user test values (an empty frame when the file is absent)."""
    return _read_parquet(Path(path), PER_USER_FILE)


def write_plan(
    suite_dir: Path,
    runs: Iterable[str],
    source: str | Path,
    evaluation: Mapping[str, Sequence[str | int]] | None = None,
) -> None:
    """Record the run ids a suite expands to now; its report leaves every other stored run out.

    ``source`` is the suite file; its content hash tells a report given that file whether the
    record is still its plan. ``evaluation`` is the suite's ``[eval]`` (``metrics`` and ``ks``):
    the metrics its report shows.
    """
    suite_dir = Path(suite_dir)
    suite_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "suite": suite_dir.name,
        "source": str(source),
        "source_sha256": source_digest(source),
        "runs": list(runs),
    }
    if evaluation is not None:
        data["eval"] = {key: list(values) for key, values in evaluation.items()}
    store.atomic_write_bytes(suite_dir / PLAN_FILE, _dumps(data))


def read_plan(suite_dir: Path) -> dict[str, Any] | None:
    """What ``write_plan`` recorded for a suite directory; None in results of older versions."""
    path = Path(suite_dir) / PLAN_FILE
    if not path.exists():
        return None
    again = "rerun `talosbench run SUITE.toml` to record the suite's plan again"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path} cannot be read ({error}); {again}") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ResultsError(f"{path} holds no list of runs; {again}")
    return data


def source_digest(path: str | Path) -> str | None:
    """SHA-256 of a suite file's bytes; None when it is not a readable file (a suite built in code)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _read_files(directory: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``result.json`` and ``config.json`` of a complete run, after checking its tables read too."""
    result = read_result(directory)
    if result is None:
        return None
    config = _read_object(directory, CONFIG_FILE)
    _check_owner(directory, result, config)
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


def _setting(config: Mapping[str, Any]) -> str | None:
    """The run configuration without its seed (and device, ...): every final run of one cell shares it."""
    fields = [f.name for f in dataclasses.fields(RunConfig) if f.name not in ("seed", *UNIDENTIFYING)]
    return json.dumps({name: config.get(name) for name in fields}, sort_keys=True, default=str)


def _row(directory: Path) -> dict[str, Any] | None:
    files = _read_files(directory)
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


def _finite(value: Any) -> Any:
    """Replace NaN/inf (a diverged run's metrics) by None so result.json stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(key): _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _dumps(data: Mapping[str, Any]) -> bytes:
    text = json.dumps(_finite(data), indent=2, sort_keys=True, allow_nan=False, default=str) + "\n"
    return text.encode("utf-8")


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


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None
