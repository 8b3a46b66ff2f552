"""Where talosbench keeps datasets, and how one dataset's directory is laid out.

``<home>/<name>/raw/``                 downloaded or imported source files (+ ``<file>.sha256`` sidecars)
``<home>/<name>/``                     prepared with the catalog defaults: interactions.parquet,
                                       user_map.parquet, item_map.parquet, meta.json (written last)
``<home>/<name>/prep-<hash>/``         the same files for preprocessing overrides, one folder per override set
``<prepared>/splits/<scenario>-seed<seed>.parquet`` (+ ``.json`` diagnostics)  cached splits
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from talosbench.data.errors import BadNameError, OutsideHomeError
from talosbench.errors import FAILED, TalosbenchError
from talosbench.paths import UnsafePathError, check_name, inside

try:
    import fcntl
except ImportError:  # Windows has no flock: preparation there is not guarded across processes
    fcntl = None  # type: ignore[assignment]

HOME_ENV = "TALOSBENCH_HOME"
"""The environment variable naming the data home (``--data-dir`` declares it too)."""
META = "meta.json"
INTERACTIONS = "interactions.parquet"


def data_home(data_dir: Path | str | None = None) -> Path:
    """``data_dir``, else ``$TALOSBENCH_HOME``, else ``$XDG_CACHE_HOME/talosbench`` (~/.cache/talosbench)."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "talosbench"


def within(home: Path, path: Path) -> Path:
    """``path`` when it resolves inside the data home, else ``OutsideHomeError``.

    Every folder the data side writes into or removes is built by a function of this module that passes
    it through here, so a name or a link can never lead a write or a delete outside the home.
    """
    try:
        return inside(home, path)
    except UnsafePathError:
        raise OutsideHomeError(
            f"refusing to touch {path}: it resolves to {os.path.realpath(path)}, outside the data home "
            f"{home} (a link leading out of it?). Remove the link, or move that folder into the data home."
        ) from None


def dataset_dir(home: Path, name: str) -> Path:
    """``<home>/<name>``: the one place a dataset name becomes a path, so the name is checked here."""
    try:
        check_name(name, "dataset name")
    except UnsafePathError as err:
        raise BadNameError(f"{err}; choose another (it names a folder under the data home {home}).") from None
    return within(home, home / name)


def raw_dir(home: Path, name: str) -> Path:
    """Folder holding a dataset's source files."""
    return within(home, dataset_dir(home, name) / "raw")


def params_key(params: Mapping[str, Any]) -> str:
    """Short stable hash of a preprocessing parameter set (the cache key of a prepared variant)."""
    blob = json.dumps(dict(params), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def prepared_dir(home: Path, name: str, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> Path:
    """The dataset folder itself for the default parameters, else a ``prep-<hash>`` subfolder."""
    folder = dataset_dir(home, name)
    if dict(params) == dict(defaults):
        return folder
    return within(home, folder / f"prep-{params_key(params)}")


def lock_path(home: Path, name: str) -> Path:
    """The lock file guarding the preparation of one dataset (beside its folder, which a failure removes)."""
    dataset_dir(home, name)  # checks the name
    return within(home, home / f".{name}.lock")


def remove_tree(home: Path, path: Path, *, ignore_errors: bool = False) -> None:
    """Delete a folder under the data home if it exists; one resolving outside the home is refused."""
    target = within(home, path)
    if target.is_symlink():
        target.unlink()  # the link itself, never the folder it leads to
    elif target.exists():
        shutil.rmtree(target, ignore_errors=ignore_errors)


class LockHeld(TalosbenchError, RuntimeError):
    """Another process holds a lock that was asked for without waiting."""

    exit_code = FAILED

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path, self.pid = path, pid
        super().__init__(f"{path} is held by {'pid ' + str(pid) if pid else 'another process'}")


@contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` across processes (several runs preparing one dataset at once).

    The holder writes its pid into the file and removes the file before releasing it, so no lock
    file outlives the lock; a waiter that then wakes up on the removed file sees that and locks the
    new one instead. With ``wait=False`` a lock held elsewhere raises ``LockHeld`` (naming the
    holder's pid) at once instead of waiting.
    """
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a+")  # noqa: SIM115 (held across the yield)
        try:  # released when the handle closes, even on a crash
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise LockHeld(path, int(holder) if holder.isdigit() else None) from None
        try:
            if os.path.samestat(os.fstat(handle.fileno()), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        handle.close()
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        handle.close()


def is_locked(path: Path) -> bool:
    """Whether a live process holds ``file_lock(path)`` now (a lock file its crashed holder left is not).

    Probes with a shared lock released at once, so nothing waits and no holder is disturbed.
    """
    if fcntl is None or not path.exists():
        return False
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:  # gone meanwhile, or unreadable: no holder to name
        return False
    return False


def is_prepared(path: Path) -> bool:
    """True when a prepared folder is complete (meta.json is written last)."""
    return (path / META).is_file() and (path / INTERACTIONS).is_file()


def read_meta(path: Path) -> dict[str, Any]:
    """The meta.json of a prepared folder."""
    return json.loads((path / META).read_text())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it into place.

    Readers see the old file or the whole new one, never a part; a failure (full disk, read-only
    folder) raises the OSError and leaves no temporary file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # a full disk may only show here, and the rename must not outrun the data
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new file ``.<name>.<random>.tmp`` beside ``path``, open for writing.

    Unlike ``tempfile.mkstemp`` (always 0600) it gets the umask's usual permissions, so the renamed
    file is as readable as one written in place.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # another writer drew the same name: draw again
            continue


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; not possible on every platform (Windows), hence best effort."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode())


def atomic_write_parquet(path: Path, frame: Any) -> None:
    """Atomically write a Polars frame as Parquet.

    The frame is encoded in memory first (the same bytes polars writes to a file) so that the disk
    write goes through ``atomic_write_bytes``: a full disk then raises OSError(ENOSPC) rather than
    polars' ComputeError, and no temporary file is left.
    """
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    atomic_write_bytes(path, buffer.getvalue())
