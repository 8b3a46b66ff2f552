"""Where a grid's runs train: the executor chosen, and what it says about the machine it is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import talosbench.runner.options as options
from talosbench.runner.options import open_executor, warn_oversubscribed
from talosbench.runner.records import Context, Listener


class Messages(Listener):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


def test_more_jobs_than_cpus_warns_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(options, "available_cpus", lambda: 2)
    monkeypatch.setattr(options, "PoolExecutor", lambda *args: "pool")
    listener = Messages()
    pool: Any = open_executor("local", Context(tmp_path, "s"), listener, 8, "cpu", None, None, None)
    assert pool == "pool"
    assert listener.lines == [
        "warning: --jobs 8 is more than the 2 CPU(s) available: the runs share them, each slower and each "
        "holding its memory; --jobs 2 trains the grid as fast with less memory"
    ]
    quiet = Messages()
    open_executor("local", Context(tmp_path, "s"), quiet, 2, "cpu", None, None, None)
    assert quiet.lines == []


def test_more_jobs_than_gpus_says_how_many_share_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(options, "available_cpus", lambda: 16)
    listener = Messages()
    warn_oversubscribed(5, ["cuda:0", "cuda:1", "cuda:0", "cuda:1", "cuda:0"], listener)
    assert listener.lines == ["note: --jobs 5 on 2 GPU(s): up to 3 runs share each GPU and its memory"]
    warn_oversubscribed(2, ["cuda:0", "cuda:1"], listener)
    assert len(listener.lines) == 1
