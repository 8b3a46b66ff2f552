"""Grid expansion: cells, the tuning points of a cell, and the run configuration of a point and seed."""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass
from typing import Any

from talosbench.config import RunConfig
from talosbench.suite.schema import Cell, Dim, Suite


@dataclass(frozen=True)
class Point:
    """One tuning point of a cell: a value for each of the cell's dimensions."""

    dims: tuple[Dim, ...]
    values: tuple[Any, ...]

    def as_dict(self) -> dict[str, Any]:
        """``{"tau": 0.1, "lr": 0.01, "backbone.layers": 2}``: what reports show."""
        return {d.label: v for d, v in zip(self.dims, self.values, strict=True)}


def cells(suite: Suite) -> list[Cell]:
    """The grid's cross product in file order, minus the ``[[exclude]]`` matches."""
    out = []
    for dataset, scenario, backbone, loss in itertools.product(
        suite.datasets, suite.scenarios, suite.backbones, suite.losses
    ):
        cell = Cell(dataset, scenario, backbone, loss)
        key = cell.key()
        if not any(all(key[k] in v for k, v in rule.items()) for rule in suite.excludes):
            out.append(cell)
    return out


def dims(suite: Suite, cell: Cell) -> tuple[Dim, ...]:
    """The tuning dimensions of a cell: its loss table's, then its backbone table's."""
    return suite.loss_tables[cell.loss].dims + suite.backbone_tables[cell.backbone].dims


def budget(suite: Suite, cell: Cell) -> int | None:
    """Most points tuned in this cell (the loss's budget, else the suite's); None = whole grid."""
    own = suite.loss_tables[cell.loss].budget
    return own if own is not None else suite.budget


def points(suite: Suite, cell: Cell) -> list[Point]:
    """The cell's tuning points: the full grid, or ``budget`` of them drawn without replacement.

    The draw is seeded by the loss label and backbone only, so every dataset and scenario of the
    suite tunes the same points and a rerun draws the same ones.
    """
    cell_dims = dims(suite, cell)
    grid = [Point(cell_dims, values) for values in itertools.product(*(d.values for d in cell_dims))]
    cap = budget(suite, cell)
    if cap is None or len(grid) <= cap:
        return grid
    seed = int.from_bytes(hashlib.sha256(f"{cell.loss}|{cell.backbone}".encode()).digest()[:8], "big")
    chosen = sorted(random.Random(seed).sample(range(len(grid)), cap))
    return [grid[i] for i in chosen]


def config(suite: Suite, cell: Cell, point: Point | None, seed: int, device: str | None = None) -> RunConfig:
    """The run configuration of ``cell`` at ``point`` (None: no tuning dimensions) and ``seed``."""
    loss, backbone = suite.loss_tables[cell.loss], suite.backbone_tables[cell.backbone]
    values: dict[tuple[str, str], Any] = {**backbone.fixed, **loss.fixed}
    if point is not None:
        values.update({(d.scope, d.name): v for d, v in zip(point.dims, point.values, strict=True)})
    # [train] first, then what the loss's table sets or tunes for itself, then --device.
    settings = {**suite.train, **{name: v for (scope, name), v in values.items() if scope == "train"}}
    if device:
        settings["device"] = device
    return RunConfig(
        dataset=cell.dataset,
        scenario=cell.scenario,
        backbone=cell.backbone,
        loss=loss.name,
        seed=seed,
        split_seed=suite.split_seed,
        loss_params={name: v for (scope, name), v in sorted(values.items()) if scope == "loss"},
        backbone_params={name: v for (scope, name), v in sorted(values.items()) if scope == "backbone"},
        preprocess=dict(sorted(suite.preprocess.get(cell.dataset, {}).items())),
        ks=suite.eval.ks,
        valid_metric=suite.valid_metric,
        **settings,
    )
