"""Optional experiment tracking: each talosbench run recorded as one MLflow run (the ``mlflow`` extra).

A run is logged from what the results store holds (``config.json``, ``result.json``,
``history.parquet``), so MLflow shows the values the report reads, in the process that owns the
store (never in a worker), on a thread of its own so that the grid never waits for MLflow. Each run
is logged once: the store's runs already in the experiment (same ``run_id`` and ``finished_at`` tags)
are skipped, so a resumed suite adds only what is new, a suite run earlier without ``--log mlflow``
is filled in, and ``--force`` (a new training, a new ``finished_at``) adds a new MLflow run.

What an MLflow run holds:

* params: the run's settings (``config.json``), nested ones flattened with dots
  (``loss_params.tau``), values as JSON (``0.001``, ``[20]``, ``null``) and strings as they are;
* metrics, step 0: ``test/<metric>``, ``best_valid/<metric>``, ``thresholds/<name>``,
  ``timings/<name>``, ``memory/<name>``, ``best_epoch``, ``epochs``;
* curves, step = epoch: each history column, its first ``_`` made a ``/`` (``train/loss``,
  ``valid/precision_at_20``, ``train/seconds``);
* tags: ``run_id``, ``suite``, ``role``, ``status`` (and ``error``), ``dataset``, ``scenario``,
  ``backbone``, ``loss``, ``seed``, ``device``, ``device_name``, ``finished_at``, ``talosbench``
  (its version); the MLflow run's status is FINISHED for a completed (or pruned) run, else FAILED.

MLflow names allow no ``@``: ``precision@20`` is logged as ``precision_at_20`` (``mlflow_name``).
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from talosbench.errors import FAILED, USAGE, TalosbenchError

if TYPE_CHECKING:
    import polars as pl

    from talosbench.runner import Job, Listener, Outcome
    from talosbench.suite import Cell, Point

LOGGERS = ("mlflow",)
"""The experiment trackers ``--log`` accepts."""

DEFAULT_STORE = Path("mlruns")
"""The MLflow store when neither ``--mlflow-uri`` nor ``$MLFLOW_TRACKING_URI`` names one (MLflow's own
folder name, in the working directory)."""

_ALLOW_FILE_STORE = "MLFLOW_ALLOW_FILE_STORE"
# MLflow 3 refuses its file store (in maintenance mode) unless this is set; it still reads and writes
# it, and it is the store that needs nothing but the mlflow-skinny package.

_BAD_CHARACTER = re.compile(r"[^\w./\- :]")


class TrackingError(TalosbenchError, RuntimeError):
    """Runs could not be logged to MLflow; the results store holds them, a rerun logs what is missing."""

    exit_code = FAILED


class TrackingUsageError(TrackingError):
    """``--log mlflow`` cannot work here (mlflow is not installed, the store cannot be opened)."""

    exit_code = USAGE


def mlflow_name(name: str) -> str:
    """``name`` as MLflow accepts it: ``@`` becomes ``_at_``, any other character it refuses ``_``."""
    return _BAD_CHARACTER.sub("_", name.replace("@", "_at_"))


def store_uri(uri: str | None) -> str:
    """The tracking URI of ``--mlflow-uri``: a URI as given; a path (None: ``./mlruns``) as a file URI."""
    if uri and re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", uri):
        return uri
    return Path(uri or DEFAULT_STORE).expanduser().resolve().as_uri()


def params_of(config: Mapping[str, Any]) -> dict[str, str]:
    """A run's settings as MLflow params: nested mappings flattened with dots, values as JSON text."""
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        else:
            out[mlflow_name(prefix)] = value if isinstance(value, str) else json.dumps(value, default=str)

    walk("", {k: v for k, v in config.items() if k not in ("cell", "suite", "run_id", "role")})
    return out


def final_metrics(record: Mapping[str, Any]) -> dict[str, float]:
    """The metrics of a run's ``result.json``, MLflow-named; missing and non-finite values are left out."""
    out: dict[str, float] = {}
    for group in ("test", "best_valid", "thresholds", "timings", "memory"):
        for name, value in (record.get(group) or {}).items():
            _put(out, f"{group}/{name}", value)
    for name in ("best_epoch", "epochs"):
        _put(out, name, record.get(name))
    return out


def curves(history: pl.DataFrame) -> dict[str, list[tuple[int, float]]]:
    """Each numeric history column as ``[(epoch, value)]``; rows without a value (no validation) left out."""
    out: dict[str, list[tuple[int, float]]] = {}
    if "epoch" not in history.columns:
        return out
    epochs = history["epoch"].to_list()
    for column in history.columns:
        if column == "epoch" or not history[column].dtype.is_numeric():
            continue
        points = [
            (int(epoch), float(value))
            for epoch, value in zip(epochs, history[column].to_list(), strict=True)
            if value is not None and math.isfinite(value)
        ]
        if points:
            out[mlflow_name(column.replace("_", "/", 1))] = points
    return out


def tags_of(config: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str]:
    """The tags that find a run in MLflow: its id, suite, cell, seed, status, device, end time."""
    environment = record.get("environment") or {}
    cell = record.get("cell") or {}
    values = {
        "run_id": record.get("run_id"),
        "suite": record.get("suite"),
        "role": record.get("role"),
        "status": record.get("status"),
        "error": record.get("error"),
        **{key: cell.get(key, config.get(key)) for key in ("dataset", "scenario", "backbone", "loss")},
        "seed": config.get("seed"),
        "device": record.get("device"),
        "device_name": environment.get("device_name"),
        "talosbench": environment.get("talosbench"),
        "finished_at": record.get("finished_at"),
        "mlflow.source.git.commit": environment.get("git_commit"),
    }
    return {key: str(value) for key, value in values.items() if value is not None}


def _put(out: dict[str, float], name: str, value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        out[mlflow_name(name)] = float(value)


def _import_mlflow() -> Any:
    """The mlflow module, or a TrackingUsageError saying how to install it."""
    try:
        import mlflow
    except ImportError:
        raise TrackingUsageError(
            "--log mlflow needs the mlflow package, which is not installed; install it with "
            "`pip install 'talosbench[mlflow]'` (or `pip install mlflow-skinny`), or leave out --log"
        ) from None
    return mlflow


class MlflowLog:
    """One experiment of an MLflow store that talosbench runs are logged into, each once.

    Opening it imports mlflow and opens the store, so that ``--log mlflow`` fails before any
    training when either cannot be done (TrackingUsageError).
    """

    def __init__(self, uri: str | None, experiment: str) -> None:
        mlflow = _import_mlflow()
        from mlflow.tracking import MlflowClient

        self.uri, self.experiment = store_uri(uri), experiment
        if self.uri.startswith("file:"):
            os.environ.setdefault(_ALLOW_FILE_STORE, "true")
        try:
            self.client = MlflowClient(tracking_uri=self.uri)
            found = self.client.get_experiment_by_name(experiment)
            self.experiment_id = (
                found.experiment_id if found is not None else self.client.create_experiment(experiment)
            )
            self.logged = self._logged_runs()
        except (mlflow.exceptions.MlflowException, OSError) as exc:
            raise TrackingUsageError(
                f"cannot open the MLflow store {self.uri} (experiment {experiment!r}): {exc}; pass "
                "--mlflow-uri a folder you can write to (or a tracking URI that works)"
            ) from None
        self.added = 0
        """Runs logged by this process."""
        self.present = 0
        """Runs offered that the experiment already held."""
        self.failures: list[str] = []
        """Runs the logging thread could not log, each ``run-id: error``."""

    def _logged_runs(self) -> set[tuple[str, str]]:
        """``(run_id, finished_at)`` of every talosbench run already in the experiment."""
        seen: set[tuple[str, str]] = set()
        token = None
        while True:
            page = self.client.search_runs([self.experiment_id], max_results=1000, page_token=token)
            for run in page:
                tags = run.data.tags
                if "run_id" in tags and "finished_at" in tags:
                    seen.add((tags["run_id"], tags["finished_at"]))
            token = page.token
            if not token:
                return seen

    def log(self, config: Mapping[str, Any], record: Mapping[str, Any], history: pl.DataFrame) -> str | None:
        """Log one run (``config.json``, ``result.json`` and history of the store); its MLflow run id,
        or None when the experiment already holds it."""
        from mlflow.entities import Metric, Param, RunTag

        key = (str(record.get("run_id")), str(record.get("finished_at")))
        if key in self.logged:
            self.present += 1
            return None
        end = _milliseconds(record.get("finished_at"))
        wall = (record.get("timings") or {}).get("wall_seconds")
        start = end - int(1000 * wall) if isinstance(wall, (int, float)) and math.isfinite(wall) else end
        cell = record.get("cell") or {}
        name = (
            f"{cell.get('loss', config.get('loss'))} {cell.get('dataset', config.get('dataset'))} "
            f"seed {config.get('seed')} {record.get('role', 'final')}"
        )
        run = self.client.create_run(
            self.experiment_id, start_time=start, tags=tags_of(config, record), run_name=name
        )
        mlflow_id = run.info.run_id
        metrics = [Metric(k, v, end, 0) for k, v in final_metrics(record).items()]
        ends = _epoch_ends(start, history)
        metrics += [
            Metric(k, v, ends.get(step, end), step)
            for k, points in curves(history).items()
            for step, v in points
        ]
        params = [Param(k, v) for k, v in params_of(config).items()]
        for chunk in _chunks(params, 100):  # MLflow's limits per batch: 100 params, 1000 metrics
            self.client.log_batch(mlflow_id, params=chunk)
        for chunk in _chunks(metrics, 1000):
            self.client.log_batch(mlflow_id, metrics=chunk)
        self.client.log_batch(mlflow_id, tags=[RunTag("mlflow.note.content", _note(record))])
        from talosbench.config import ENDED

        status = "FINISHED" if record.get("status") in ENDED else "FAILED"
        self.client.set_terminated(mlflow_id, status, end_time=end)
        self.logged.add(key)
        self.added += 1
        return mlflow_id

    def log_stored(self, directory: Path) -> str | None:
        """Log the run stored in ``directory`` (a complete run of the results store)."""
        from talosbench.results import CONFIG_FILE, HISTORY_FILE, read_run

        record = read_run(directory)
        if record is None:
            raise TrackingError(f"{directory} holds no complete run to log")
        config = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        import polars as pl

        history = (
            pl.read_parquet(directory / HISTORY_FILE)
            if (directory / HISTORY_FILE).is_file()
            else pl.DataFrame()
        )
        return self.log(config, record, history)

    def log_now(self, directory: Path) -> None:
        """Log the run stored in ``directory`` now (``talosbench train``); a failure is a TrackingError."""
        try:
            self.log_stored(directory)
        except Exception as exc:  # the run is stored whatever MLflow says
            raise TrackingError(
                f"run {directory.name} could not be logged to MLflow ({type(exc).__name__}: {exc}); it is "
                f"stored in {directory}"
            ) from None

    def summary(self) -> str:
        """What was logged where, and how to look at it (two lines)."""
        view = f"mlflow ui --backend-store-uri {self.uri}"
        if self.uri.startswith("file:"):
            view = f"{_ALLOW_FILE_STORE}=true {view}"
        done = f"{self.added} run(s) logged, {self.present} already there"
        return (
            f"mlflow: {done}, in experiment {self.experiment!r} of {self.uri}\n"
            f"  browse it with the full mlflow package: {view}"
        )

    @contextmanager
    def listening(self, listener: Listener, results_dir: Path, suite: str) -> Iterator[Listener]:
        """``listener`` that also logs each run the grid stores, on a thread; joined on exit (runs that
        could not be logged are kept in ``failures``, see ``check``)."""
        logging = _Logging(self, listener, Path(results_dir), suite)
        logging.thread.start()
        try:
            yield logging
        finally:
            logging.close()

    def check(self) -> None:
        """A TrackingError when some runs could not be logged (they are in the results store)."""
        if self.failures:
            raise TrackingError(
                f"{len(self.failures)} run(s) could not be logged to MLflow ({self.failures[0]}); they are "
                "in the results store: rerun the same command with --log mlflow to log them"
            )


class _Logging:
    """The grid's listener, passed every callback, that queues each stored run for the logging thread.

    It implements every callback of ``runner.Listener`` rather than inheriting them, so that this module
    (the CLI's ``--log`` choices) imports no runner; a test checks that none is missing.
    """

    def __init__(self, log: MlflowLog, inner: Listener, results_dir: Path, suite: str) -> None:
        self.log, self.inner, self.results_dir, self.suite = log, inner, results_dir, suite
        self.queue: queue.Queue[Path | None] = queue.Queue()
        self.thread = threading.Thread(target=self._work, name="mlflow-log", daemon=True)

    def _work(self) -> None:
        while (directory := self.queue.get()) is not None:
            try:
                self.log.log_stored(directory)
            except Exception as exc:  # a store error must not end the grid; reported at the end
                self.log.failures.append(f"{directory.name}: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Log what is queued, then end the thread."""
        self.queue.put(None)
        self.thread.join()

    def finished(self, job: Job, outcome: Outcome) -> None:
        self.inner.finished(job, outcome)
        if outcome.recorded:
            from talosbench.results import run_dir

            self.queue.put(run_dir(self.results_dir, self.suite, job.run_id))

    def planned(self, total: int, done: int) -> None:
        self.inner.planned(total, done)

    def started(self, job: Job) -> None:
        self.inner.started(job)

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        self.inner.epoch(job, info)

    def chosen(self, cell: Cell, point: Point | None, trials: int) -> None:
        self.inner.chosen(cell, point, trials)

    def message(self, text: str) -> None:
        self.inner.message(text)

    def running(self, where: dict[str, int]) -> None:
        self.inner.running(where)

    def damaged(self, job: Job, problem: str) -> None:
        self.inner.damaged(job, problem)


def _milliseconds(stamp: Any) -> int:
    """An ISO time (``finished_at``) in milliseconds since the epoch; now when there is none."""
    when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else datetime.now().astimezone()
    return int(when.timestamp() * 1000)


def _epoch_ends(start: int, history: pl.DataFrame) -> dict[int, int]:
    """When each epoch ended (ms): the run's start plus the training and evaluation seconds up to it."""
    import polars as pl

    if "epoch" not in history.columns:
        return {}
    spent = [
        pl.col(c).cast(pl.Float64).fill_null(0.0).fill_nan(0.0)
        for c in ("train_seconds", "eval_seconds")
        if c in history.columns
    ]
    seconds = history.select(pl.sum_horizontal(spent).cum_sum() if spent else pl.lit(0.0))
    return {int(e): start + int(1000 * s) for e, s in zip(history["epoch"], seconds.to_series(), strict=True)}


def _note(record: Mapping[str, Any]) -> str:
    """The MLflow run's description: where the run lives in talosbench."""
    note = f"talosbench run {record.get('run_id')} of suite {record.get('suite')}: {record.get('status')}"
    return note + (f" ({record['error']})" if record.get("error") else "")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]
