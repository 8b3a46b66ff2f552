"""The atomic writers every stored file goes through: whole files or nothing, and no temporary left over."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from talosbench.data import store

FRAME = pl.DataFrame({"user": list(range(1000)), "item": list(range(1000))})


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """New ``*.tmp`` files are created as usual but written to /dev/full: ENOSPC, as on a full disk."""
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    real_open = os.open

    def open_full(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and str(path).endswith(".tmp"):
            os.close(real_open(path, flags, *args, **kwargs))
            return real_open("/dev/full", os.O_WRONLY)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_full)


@pytest.mark.usefixtures("full_disk")
def test_a_full_disk_raises_enospc_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    # polars writing a parquet file onto a full disk raises its own ComputeError, not an OSError;
    # the writers must surface the system's reason the same way for every file.
    for write, payload in ((store.atomic_write_parquet, FRAME), (store.atomic_write_bytes, b"x" * 100)):
        with pytest.raises(OSError) as info:
            write(tmp_path / "out", payload)
        assert info.value.errno == errno.ENOSPC
        assert list(tmp_path.iterdir()) == []


def test_parquet_bytes_and_permissions_match_a_direct_write(tmp_path: Path) -> None:
    store.atomic_write_parquet(tmp_path / "atomic.parquet", FRAME)
    FRAME.write_parquet(tmp_path / "direct.parquet")
    atomic, direct = tmp_path / "atomic.parquet", tmp_path / "direct.parquet"
    assert atomic.read_bytes() == direct.read_bytes()
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(direct.stat().st_mode)  # not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.parquet", "direct.parquet"]
