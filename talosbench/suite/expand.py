"""Grid expansion: cells, the tuning points of a cell, and the run configuration of a point and seed."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
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


SHARED = frozenset({"lr", "weight_decay", "tau"})
"""Labels of the loss-table dimensions most losses tune alike; the backbone's own dimensions are
shared too (every loss of a backbone has them). Budgeted draws try these identically for every loss."""


def grid_size(suite: Suite, cell: Cell) -> int:
    """Points in the cell's full tuning grid (1 when it has no tuning dimension)."""
    return math.prod(len(d.values) for d in dims(suite, cell))


def full_grid(suite: Suite, cell: Cell) -> list[Point]:
    """Every point of the cell's tuning grid, in grid order (what a TPE study chooses among)."""
    cell_dims = dims(suite, cell)
    return [Point(cell_dims, v) for v in itertools.product(*(d.values for d in cell_dims))]


def points(suite: Suite, cell: Cell) -> list[Point]:
    """The cell's tuning points: the full grid, or ``budget`` of them, in grid order.

    A budgeted draw splits the dimensions into shared ones (``SHARED`` and the backbone's) and the
    loss's extra ones. Shared combinations are taken in an order seeded by the shared dimensions'
    contents alone, so every loss with the same shared grid tries the same combinations (all of them
    once the budget reaches their number); each one is paired with extra values drawn in an order
    seeded by the extra dimensions' contents, cycling so that no point repeats. Nothing depends on
    the loss label, dataset or scenario: identical grids get identical points, and a rerun the same.
    """
    cell_dims = dims(suite, cell)
    cap = budget(suite, cell)
    if cap is None or grid_size(suite, cell) <= cap:
        return full_grid(suite, cell)
    # by label, so that the order a table lists its dimensions in does not change the draw
    by_label = sorted(range(len(cell_dims)), key=lambda i: cell_dims[i].label)
    shared = [i for i in by_label if cell_dims[i].target == "backbone" or cell_dims[i].label in SHARED]
    extra = [i for i in by_label if i not in shared]
    shared_combos = _shuffled([cell_dims[i] for i in shared])
    extra_combos = _shuffled([cell_dims[i] for i in extra])
    chosen = []
    for n in range(cap):
        # the k-th round over the shared combinations; offsetting by j keeps extras spread and, since
        # cap < len(shared) * len(extra), k stays below len(extra): no (shared, extra) pair repeats.
        k, j = divmod(n, len(shared_combos))
        values: dict[int, Any] = dict(zip(shared, shared_combos[j], strict=True))
        values.update(zip(extra, extra_combos[(k + j) % len(extra_combos)], strict=True))
        chosen.append(tuple(values[i] for i in range(len(cell_dims))))
    order = {v: n for n, v in enumerate(itertools.product(*(d.values for d in cell_dims)))}
    return [Point(cell_dims, v) for v in sorted(chosen, key=order.__getitem__)]


def _shuffled(grid_dims: list[Dim]) -> list[tuple[Any, ...]]:
    """Every combination of ``grid_dims``, shuffled by a seed drawn from their labels and values."""
    combos = list(itertools.product(*(d.values for d in grid_dims)))
    content = json.dumps([[d.label, [repr(v) for v in d.values]] for d in grid_dims])
    seed = int.from_bytes(hashlib.sha256(content.encode()).digest()[:8], "big")
    random.Random(seed).shuffle(combos)
    return combos


def point_config(
    suite: Suite, cell: Cell, point: Point | None, seed: int, device: str | None = None
) -> RunConfig:
    """The run configuration of ``cell`` at ``point`` (None: no tuning dimensions) and ``seed``."""
    from talosbench.data.split import read_by  # on first use, as suite.components imports data

    loss, backbone = suite.loss_tables[cell.loss], suite.backbone_tables[cell.backbone]
    values: dict[tuple[str, str], Any] = {**backbone.fixed, **loss.fixed}
    if point is not None:
        values.update({(d.target, d.name): v for d, v in zip(point.dims, point.values, strict=True)})
    # [train] first, then what the loss's table sets or tunes for itself, then --device.
    settings = {**suite.train, **{name: v for (target, name), v in values.items() if target == "train"}}
    if device:
        settings["device"] = device
    return RunConfig(
        dataset=cell.dataset,
        scenario=cell.scenario,
        backbone=cell.backbone,
        loss=loss.name,
        seed=seed,
        split_seed=suite.split_seed,
        vary_split=suite.vary_split,
        loss_params={name: v for (target, name), v in sorted(values.items()) if target == "loss"},
        backbone_params={name: v for (target, name), v in sorted(values.items()) if target == "backbone"},
        preprocess=dict(sorted(read_by(cell.scenario, suite.preprocess.get(cell.dataset, {})).items())),
        ks=suite.eval.ks,
        valid_metric=suite.valid_metric,
        **settings,
    )
