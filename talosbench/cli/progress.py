"""Progress on stderr: live rows (rich) on a terminal, plain lines in a log; and the download's counter."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.table import Column
from rich.text import Text

from talosbench.runner import Job, Listener, Outcome
from talosbench.suite import Cell, Point


def duration(seconds: float) -> str:
    """``42s``, ``3m05s`` or ``2h07m``."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


@dataclass
class RunState:
    """What is known of a run in training: where it is in its epoch cap, its last loss and validation."""

    label: str
    metric: str
    """The validation metric shown (the run's model-selection metric)."""
    start: float = field(default_factory=lambda: time.monotonic())
    epoch: int = 0
    """Epochs finished."""
    epochs: int = 0
    """The epoch cap (early stopping may end the run sooner)."""
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    valid: float | None = None
    best: float | None = None
    task: TaskID | None = None

    def update(self, info: dict[str, Any]) -> bool:
        """Take in a progress report (``train.trainer.EpochCallback``); True when it is a validation."""
        self.epochs = int(info.get("epochs") or self.epochs)
        if "batch" in info:  # within epoch ``info["epoch"]``
            self.epoch, self.batch = int(info["epoch"]) - 1, int(info["batch"])
            self.batches = int(info["batches"])
            return False
        self.epoch, self.batch = int(info["epoch"]), 0
        if info.get("valid") is not None:
            self.valid = info["valid"].get(self.metric)
            if self.valid is not None and (self.best is None or self.valid > self.best):
                self.best = self.valid
            return True
        if isinstance(info.get("train_loss"), float):
            self.loss = info["train_loss"]
        return False

    def fraction(self) -> float:
        """Share of the epoch cap done."""
        within = self.batch / self.batches if self.batches else 0.0
        return min((self.epoch + within) / self.epochs, 1.0) if self.epochs else 0.0

    def left(self, now: float, typical: float | None) -> float | None:
        """Seconds still to go: the pace so far projected to the epoch cap, or sooner when finished runs
        took less (early stopping) and this one has not yet outlasted them."""
        elapsed, done = now - self.start, self.fraction()
        to_cap = elapsed * (1 - done) / done if done > 0 else None
        if typical is not None and typical > elapsed:
            return min(to_cap, typical - elapsed) if to_cap is not None else typical - elapsed
        return to_cap

    def status(self) -> str:
        """``epoch 3/40 loss 0.4123 valid precision@20 0.0812``: the epoch in progress (the one just
        finished between epochs), the last epoch's loss and the last validation value."""
        text = f"epoch {self.epoch + (1 if self.batch else 0)}/{self.epochs}" if self.epochs else "preparing"
        if self.loss is not None:
            text += f" loss {self.loss:.4f}"
        if self.valid is not None:
            text += f" valid {self.metric} {self.valid:.4f}"
        return text


class _Status(ProgressColumn):
    """A row's ``status`` field on one line, cut short (…) when the terminal is too narrow for it all."""

    def render(self, task: Task) -> Text:
        # A row never wraps: a second line would break the redraw; the table narrows this column first.
        return Text(str(task.fields.get("status", "")), no_wrap=True, overflow="ellipsis")


class _Clock(ProgressColumn):
    """A row's time since its ``since`` field, and the time it has left (``ends``: a monotonic deadline)."""

    def render(self, task: Task) -> Text:
        now = time.monotonic()
        text = duration(now - task.fields.get("since", now))
        ends = task.fields.get("ends")
        if ends is not None:
            text += f" (~{duration(max(ends - now, 0.0))} left)"
        return Text(text, style="progress.elapsed", no_wrap=True)


class Board:
    """Rows that redraw in place on a terminal (rich), or whole lines on anything else (a log file).

    Live only on a terminal and without ``quiet``: a log gets each line once, never a redraw.
    """

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.live = self.console.is_terminal and not quiet
        self.rows: Progress | None = None
        if self.live:
            self.rows = Progress(
                TextColumn("{task.description}", markup=False, table_column=Column(no_wrap=True)),
                BarColumn(bar_width=12),
                _Status(table_column=Column(min_width=10)),  # the one column that narrows to fit
                _Clock(table_column=Column(no_wrap=True)),
                console=self.console,
                refresh_per_second=4,
            )

    def __enter__(self) -> Board:
        if self.rows is not None:
            self.rows.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.rows is not None:
            self.rows.stop()  # the last drawing stays; whatever is printed next starts below it

    def say(self, text: str) -> None:
        """A whole line: above the live rows on a terminal, as is elsewhere."""
        if self.rows is not None:
            self.rows.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self.console.file.write(text + "\n")
            self.console.file.flush()

    def add(self, description: str, total: float | None, **fields: Any) -> TaskID | None:
        """A live row (None when not live)."""
        if self.rows is None:
            return None
        return self.rows.add_task(description, total=total, **{"status": "", **fields})

    def update(self, task: TaskID | None, **changes: Any) -> None:
        if self.rows is not None and task is not None:
            self.rows.update(task, **changes)

    def remove(self, task: TaskID | None) -> None:
        if self.rows is not None and task is not None:
            self.rows.remove_task(task)


_Shown = TypeVar("_Shown", bound="OnBoard")


class OnBoard:
    """A display drawn on a ``Board``: as a context manager it starts the board and ends it, so that a
    message printed next starts on its own line whatever ended the work."""

    board: Board

    def __enter__(self: _Shown) -> _Shown:
        self.board.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.board.__exit__(kind, exc, tb)


class GridProgress(OnBoard, Listener):
    """The grid's progress: on a terminal a row for the grid (runs done, elapsed, time left) and one per
    run in training (a worker of ``--jobs``: its batch bar, epoch, loss, last validation value, elapsed
    and time left); elsewhere plain lines, one per validation and per finished run. The time left is
    recomputed as runs progress and finish (``per_run`` prices runs until one has finished).
    As a context manager it ends the live display whatever ends the grid."""

    def __init__(
        self, quiet: bool, slots: int, *, per_run: float | None = None, console: Console | None = None
    ) -> None:
        self.board = Board(console, quiet)
        self.quiet = quiet
        self.total = self.done = self.failed = self.trained = 0
        self.train_seconds = 0.0
        self.per_run = per_run
        self.start = time.monotonic()
        self.runs: dict[str, RunState] = {}
        self.where: dict[str, int] = {}  # Ray: running tasks per node
        self.peak = slots
        self.grid = self.board.add("runs", None, since=self.start)

    @property
    def live(self) -> bool:
        return self.board.live

    def typical(self) -> float | None:
        """Seconds of one run: the mean of the runs trained so far, else the estimate given."""
        return self.train_seconds / self.trained if self.trained else self.per_run

    def left(self, now: float) -> float | None:
        """Seconds until the grid ends: the runs in training finish, then the queued ones share the slots."""
        typical = self.typical()
        running = [run.left(now, typical) for run in self.runs.values()]
        known = [s for s in running if s is not None]
        if typical is None and known:  # no run finished yet: price a run by the projections so far
            projected = [
                now - run.start + s
                for run, s in zip(self.runs.values(), running, strict=True)
                if s is not None
            ]
            typical = sum(projected) / len(projected)
        queued = max(self.total - self.done - len(self.runs), 0)
        if typical is None and queued:
            return None
        work = sum(known) + queued * (typical or 0.0)
        return max(work / max(self.peak, 1), max(known, default=0.0))

    def head(self) -> str:
        """``[3/28 | 1 failed | 1m05s elapsed, ~2m10s left]``."""
        now = time.monotonic()
        parts = [f"{self.done}/{self.total}"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.where:
            nodes = ", ".join(f"{node} x{n}" for node, n in sorted(self.where.items()))
            parts.append(f"{sum(self.where.values())} running on {nodes}")
        left = self.left(now) if self.done < self.total else None
        clock = f"{duration(now - self.start)} elapsed"
        parts.append(clock + (f", ~{duration(left)} left" if left is not None else ""))
        return f"[{' | '.join(parts)}]"

    def redraw(self) -> None:
        """Refresh the grid row and every run's time left (they depend on each other's progress)."""
        if not self.live:
            return
        now = time.monotonic()
        left = self.left(now)
        failed = f"{self.failed} failed" if self.failed else ""
        ends = None if left is None else now + left
        self.board.update(
            self.grid,
            description=f"{self.done}/{self.total} runs",
            total=self.total or None,
            completed=self.done,
            status=failed,
            ends=ends,
        )
        typical = self.typical()
        for run in self.runs.values():
            run_left = run.left(now, typical)
            self.board.update(run.task, ends=None if run_left is None else now + run_left)

    def running(self, where: dict[str, int]) -> None:
        self.where = dict(where)
        self.peak = max(self.peak, sum(where.values()))

    def say(self, text: str) -> None:
        self.board.say(text)

    def planned(self, total: int, done: int) -> None:
        self.total, self.done = total, done
        self.complete_up_front, self.reused = done, 0
        self.say(f"{total} runs planned, {done} already complete")
        self.redraw()

    def started(self, job: Job) -> None:
        run = RunState(str(job), job.config.valid_metric)
        run.task = self.board.add(run.label, None, status=run.status(), since=run.start)
        self.runs[job.run_id] = run
        self.redraw()

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        run = self.runs.get(job.run_id)
        if run is None:
            return
        validated = run.update(info)
        if validated and not self.live and not self.quiet and run.valid is not None:
            self.say(f"  {run.label} | epoch {run.epoch}/{run.epochs} | valid {run.metric} {run.valid:.4f}")
        self.board.update(run.task, status=run.status(), total=run.batches or None, completed=run.batch)
        self.redraw()

    def finished(self, job: Job, outcome: Outcome) -> None:
        # A run found complete was counted by ``planned`` already; only one beyond those counts again.
        self.reused += outcome.reused
        self.done += not outcome.reused or self.reused > self.complete_up_front
        self.failed += not outcome.ended
        run = self.runs.pop(job.run_id, None)
        if run is not None:
            self.board.remove(run.task)
        if outcome.reused:
            self.redraw()
            return
        self.trained += 1
        self.train_seconds += outcome.seconds
        valid = outcome.best_valid.get(job.config.valid_metric)
        score = f" valid {job.config.valid_metric} {valid:.4f}" if valid is not None else ""
        error = f": {outcome.error}" if outcome.error else ""
        self.say(f"{self.head()} {job}: {outcome.status}{score} ({duration(outcome.seconds)}){error}")
        self.redraw()

    def chosen(self, cell: Cell, point: Point | None, trials: int) -> None:
        if point is None:
            self.say(f"{cell}: every one of {trials} tuning trials failed; no final runs")
        else:
            values = ", ".join(f"{k}={v}" for k, v in point.as_dict().items())
            self.say(f"{cell}: tuned over {trials} points on validation: {values}")

    def message(self, text: str) -> None:
        if not self.quiet:
            self.say(text)

    def damaged(self, job: Job, problem: str) -> None:
        self.say(f"damaged run {problem}: {job} will be redone")


class TrainProgress(OnBoard):
    """``talosbench train``'s progress: a live row for its one run on a terminal (batch bar, epoch, loss,
    last validation value, elapsed and time left), and a line per validation everywhere."""

    def __init__(self, label: str, metric: str, console: Console | None = None) -> None:
        self.board = Board(console)
        self.run = RunState(label, metric)
        self.run.task = self.board.add(label, None, status=self.run.status(), since=self.run.start)

    def message(self, text: str) -> None:
        """A notice of data preparation."""
        self.board.say(text)

    def __call__(self, info: dict[str, Any]) -> None:
        """The run's progress callback (``train.trainer.EpochCallback``)."""
        run = self.run
        if run.update(info) and run.valid is not None:
            self.board.say(f"  epoch {run.epoch:>4}: valid {run.metric} = {run.valid:.4f}")
        left = run.left(time.monotonic(), None)
        self.board.update(
            run.task,
            status=run.status(),
            total=run.batches or None,
            completed=run.batch,
            ends=None if left is None else time.monotonic() + left,
        )


class DownloadProgress:
    """A carriage-return progress line on stderr: bytes, rate and ETA."""

    def __init__(self) -> None:
        self._clock = time.monotonic
        self.reset()

    def reset(self) -> None:
        """Start a fresh rate/ETA clock (one per dataset)."""
        self.start = self._clock()
        self.first: int | None = None
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        now = self._clock()
        if self.first is None:
            self.first, self.start = done, now  # a resumed download starts counting from its offset
        if now - self.last_draw < 0.1 and done != total:
            return
        self.last_draw = now
        rate = (done - self.first) / max(now - self.start, 1e-6)
        mib = 1024 * 1024
        size = f"{done / mib:.1f}/{total / mib:.1f} MiB" if total else f"{done / mib:.1f} MiB"
        eta = f"ETA {int((total - done) / rate)}s" if total and rate > 0 else ""
        typer.echo(f"\r  {size}  {rate / mib:.1f} MiB/s  {eta}   ", nl=False, err=True)
        self.drawn = True

    def finish(self) -> None:
        """End the progress line so the next message starts on its own line."""
        if self.drawn:
            typer.echo("", err=True)
            self.drawn = False
