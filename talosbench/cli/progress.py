"""Progress lines on stderr: the grid's run-by-run progress and the download's byte counter."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

import typer

from talosbench.runner import Job, Listener, Outcome
from talosbench.suite import Cell, Point

CLEAR = "\r\033[K"
"""Back to the start of the line and erase it: a live line is redrawn in place."""


def duration(seconds: float) -> str:
    """``42s``, ``3m05s`` or ``2h07m``."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class GridProgress(Listener):
    """Prints the grid's progress line and the current run's epochs (live on a terminal), one line per
    finished run and tuning choice. As a context manager it ends a live line whatever ends the grid,
    so that a message printed next starts on its own line."""

    def __init__(self, quiet: bool, slots: int) -> None:
        self.quiet = quiet
        self.live = sys.stderr.isatty() and not quiet  # a log file gets whole lines, not a redrawn one
        self.total = self.done = self.failed = self.trained = 0
        self.train_seconds = 0.0
        self.start = time.perf_counter()
        self.current = ""
        self.where: dict[str, int] = {}  # Ray: running tasks per node
        self.peak = slots
        self.open = False  # a live line is drawn and not ended

    def __enter__(self) -> GridProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.open:
            typer.echo("", err=True)
            self.open = False

    def head(self) -> str:
        eta = ""
        if self.trained:
            left = (self.total - self.done) * self.train_seconds / self.trained / self.peak
            eta = f" | ETA {duration(left)}"
        failed = f" | {self.failed} failed" if self.failed else ""
        nodes = ", ".join(f"{node} x{n}" for node, n in sorted(self.where.items()))
        running = f" | {sum(self.where.values())} running on {nodes}" if self.where else ""
        return f"[{self.done}/{self.total}{failed}{running}{eta}]"

    def running(self, where: dict[str, int]) -> None:
        self.where = dict(where)
        self.peak = max(self.peak, sum(where.values()))

    def show(self, text: str) -> None:
        if self.live:
            typer.echo(f"{CLEAR}{self.head()} {text}", nl=False, err=True)
            self.open = True

    def say(self, text: str) -> None:
        typer.echo((CLEAR if self.live else "") + text, err=True)
        self.open = False

    def planned(self, total: int, done: int) -> None:
        self.total = total
        self.say(f"{total} runs planned, {done} already complete")

    def started(self, job: Job) -> None:
        self.current = str(job)
        self.show(self.current)

    def epoch(self, job: Job, info: dict[str, Any]) -> None:
        loss = info.get("train_loss")
        text = f"{job} | epoch {info['epoch']}/{info['epochs']}"
        self.show(text + (f" loss {loss:.4f}" if isinstance(loss, float) else ""))

    def finished(self, job: Job, outcome: Outcome) -> None:
        self.done += 1
        self.failed += not outcome.ok
        if outcome.reused:
            return
        self.trained += 1
        self.train_seconds += outcome.seconds
        valid = outcome.best_valid.get(job.config.valid_metric)
        score = f" valid {job.config.valid_metric} {valid:.4f}" if valid is not None else ""
        error = f": {outcome.error}" if outcome.error else ""
        self.say(f"{self.head()} {job}: {outcome.status}{score} ({duration(outcome.seconds)}){error}")

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
