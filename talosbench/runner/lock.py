"""One runner at a time writes a suite's results: ``<results>/<suite>/.lock``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from talosbench.data.store import LockHeld, file_lock, is_locked
from talosbench.results import suite_dir
from talosbench.runner.records import Context, RunnerError

LOCK_FILE = ".lock"
"""Held in ``<results>/<suite>/`` by the runner writing there."""


@contextmanager
def hold_results(ctx: Context) -> Iterator[None]:
    """Hold ``<results>/<suite>/.lock`` while a grid writes there; two runners would train every run twice.

    The lock is not waited for: a second runner stops at once, before training anything, and names
    the holder. The operating system releases it when the holder ends, however it ends.
    """
    folder = suite_dir(ctx.results_dir, ctx.suite)
    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(folder / LOCK_FILE, wait=False))
        except LockHeld as exc:
            holder = f"another talosbench run (pid {exc.pid})" if exc.pid else "another talosbench run"
            raise RunnerError(
                f"{holder} is already writing suite {ctx.suite!r} into {folder}; wait for it to end, "
                "or stop it and rerun this command to resume, or pass another --results-dir"
            ) from None
        except OSError as exc:  # say so now rather than after training the first run
            raise RunnerError(
                f"cannot write {folder}: {exc.strerror or exc}; pass a --results-dir you can write to"
            ) from None
        yield


def suite_running(folder: Path) -> bool:
    """Whether a runner writes the suite whose results are ``folder`` now."""
    return is_locked(Path(folder) / LOCK_FILE)
