"""Stopping the runner: SIGTERM and SIGHUP take the same path as Ctrl-C.

Python turns Ctrl-C (SIGINT) into ``KeyboardInterrupt``, which the grid catches to stop its workers
and keep every completed run. SIGTERM and SIGHUP would otherwise kill the process on the spot and
orphan its workers, so while a grid runs they raise ``Interrupted``, a ``KeyboardInterrupt``: every
path that handles Ctrl-C handles them too.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# SIGHUP does not exist on Windows.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """The runner was asked to stop by a signal other than SIGINT."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)

    @property
    def exit_code(self) -> int:
        """The shell's status of a process ended by this signal (SIGTERM 143, SIGHUP 129)."""
        return 128 + self.signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise ``Interrupted`` on SIGTERM or SIGHUP inside the block; the previous handlers come back after.

    Only the main thread can set handlers, so elsewhere this does nothing. A signal the process
    ignores (SIGHUP under ``nohup``) stays ignored. Once one signal has been raised, later ones are
    swallowed so that they cannot cut short the shutdown of the workers that the first one started.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if not caught:
            caught.append(signum)
            raise Interrupted(signum)

    previous: dict[int, Any] = {}
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():  # None: a handler set outside Python; default is closest
            signal.signal(signum, signal.SIG_DFL if old is None else old)
