"""Shared by the runner tests: a tiny suite that trains in seconds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

TINY = """
[suite]
name = "tiny"
seeds = [1, 2]

[train]
epochs = {epochs}
eval_every = 1
patience = 3
negatives = 16
device = "cpu"
lr = 0.01

[grid]
datasets = ["synthetic"]
losses = ["bpr", "sl", "talos"]

[datasets.synthetic]
n_users = 150
n_items = 90
n_interactions = 4000

[losses.bpr]
negatives = 1
"""

WriteSuite = Callable[..., Path]


@pytest.fixture
def tiny_suite(tmp_path: Path) -> WriteSuite:
    """Writes the tiny suite (bpr, sl, talos on small synthetic data, 2 seeds) with ``epochs`` epochs.

    ``edit`` rewrites the text first; the path of the written file is returned.
    """

    def write(epochs: int, edit: Callable[[str], str] = lambda text: text) -> Path:
        path = tmp_path / "tiny.toml"
        path.write_text(edit(TINY.format(epochs=epochs)), encoding="utf-8")
        return path

    return write
