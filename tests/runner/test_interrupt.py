"""SIGTERM and SIGHUP stop a grid the way Ctrl-C does, and only while the grid runs."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from talosbench.runner import Interrupted
from talosbench.runner.interrupt import stop_on_signals


class Escaped(Exception):
    """A signal reached the test's own handler: the code under test did not take it."""


def escaped(signum: int, frame: FrameType | None) -> None:
    raise Escaped(signal.Signals(signum).name)


@pytest.fixture
def safety() -> Iterator[None]:
    """Signals the tests send never kill pytest, even when the code under test fails to catch them."""
    previous = {s: signal.signal(s, escaped) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def send(signum: int) -> None:
    """Signal this process and give Python the moment it needs to run the handler."""
    os.kill(os.getpid(), signum)
    time.sleep(0.5)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_raises_a_keyboard_interrupt_and_the_old_handler_comes_back(
    safety: None, signum: int, code: int
) -> None:
    with pytest.raises(Interrupted) as caught, stop_on_signals():
        send(signum)
    assert isinstance(caught.value, KeyboardInterrupt)  # every Ctrl-C path handles it
    assert caught.value.signum == signum and caught.value.exit_code == code
    assert signal.getsignal(signum) is escaped
    with pytest.raises(Escaped):
        send(signum)


def test_a_second_signal_does_not_cut_the_shutdown_short(safety: None) -> None:
    shut_down = False
    with pytest.raises(Interrupted), stop_on_signals():
        try:
            send(signal.SIGTERM)
        finally:
            send(signal.SIGTERM)  # while the workers are being stopped
            shut_down = True
    assert shut_down


def test_an_ignored_sighup_stays_ignored(safety: None) -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    with stop_on_signals():
        send(signal.SIGHUP)
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
