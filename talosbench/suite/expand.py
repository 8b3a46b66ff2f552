"""Grid expansion: cells, the tuning points of a cell, and the run configuration of a point and seed."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from talosbench.config import RunConfig
from talosbench.suite import components
from talosbench.suite.design import balanced_row, first_then_shuffled, seeded_random
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


SHARED = frozenset({"lr", "weight_decay", "tau"})
"""Labels of the loss-table dimensions most losses tune alike; the backbone's own dimensions are
shared too (every loss of a backbone has them). A loss's other dimensions are its own ("extras")."""


def grid_size(suite: Suite, cell: Cell) -> int:
    """Points in the cell's full tuning grid (1 when it has no tuning dimension)."""
    return math.prod(len(d.values) for d in dims(suite, cell))


def full_grid(suite: Suite, cell: Cell) -> list[Point]:
    """Every point of the cell's tuning grid, in grid order (what a TPE study chooses among)."""
    cell_dims = dims(suite, cell)
    return [Point(cell_dims, v) for v in itertools.product(*(d.values for d in cell_dims))]


def is_shared(dim: Dim) -> bool:
    """Whether every loss tunes ``dim`` alike (``SHARED``, or the backbone's), not one loss alone."""
    return dim.target == "backbone" or dim.label in SHARED


def default_value(suite: Suite, cell: Cell, dim: Dim) -> Any:
    """The dimension's default: its declared default (the ``[train]`` value or the run setting's default for
    lr and weight decay) when the grid lists it, else the first value the grid lists."""
    if dim.target == "train":
        declared = suite.setting(dim.name)
    else:
        owner = (
            components.loss(suite.loss_tables[cell.loss].name)
            if dim.target == "loss"
            else components.backbone(cell.backbone)
        )
        hparam = owner.hparam(dim.name)
        declared = hparam.default if hparam is not None else None
    return declared if declared in dim.values else dim.values[0]


def default_point(suite: Suite, cell: Cell) -> Point:
    """Every dimension at its default (``default_value``): the paper's default point, always tried."""
    cell_dims = dims(suite, cell)
    return Point(cell_dims, tuple(default_value(suite, cell, d) for d in cell_dims))


def budget(suite: Suite, cell: Cell) -> int | None:
    """Most first-stage points tuned in this cell (the loss's budget, else the suite's); None = whole grid."""
    own = suite.loss_tables[cell.loss].budget
    return own if own is not None else suite.budget


def budgeted(suite: Suite, cell: Cell) -> bool:
    """Whether the cell tries fewer points than its whole grid (a budget below the grid's size)."""
    cap = budget(suite, cell)
    return cap is not None and cap < grid_size(suite, cell)


def two_stage(suite: Suite, cell: Cell) -> bool:
    """Whether a budgeted cell tunes its loss's own dimensions in a second stage (it has some, and the
    suite's ``extra_budget`` is not 0)."""
    return budgeted(suite, cell) and suite.extra_budget > 0 and not all(map(is_shared, dims(suite, cell)))


def points(suite: Suite, cell: Cell) -> list[Point]:
    """The cell's points drawn up front, in grid order: the whole grid, or (budgeted) the first stage.

    The first stage varies the shared dimensions only, ``budget`` points of a balanced design
    (``suite.design``): each value of each shared dimension appears ⌊B/n⌋ or ⌈B/n⌉ times, the default
    point is one of them, and no point repeats; the loss's own dimensions stay at their defaults. The
    design is seeded by the shared dimensions' labels and values alone: identical grids get identical
    points, whatever the loss, dataset or scenario, and a rerun the same.
    """
    if not budgeted(suite, cell):
        return full_grid(suite, cell)
    base = default_point(suite, cell)
    shared = [i for i, d in enumerate(base.dims) if is_shared(d)]
    cap = budget(suite, cell)
    assert cap is not None
    chosen = _design(base, shared, cap, "shared")
    return sorted(chosen, key=_grid_order)


def second_stage(suite: Suite, cell: Cell, best: Point, tried: Collection[Point]) -> list[Point]:
    """The second stage's points: the loss's own dimensions at ``best`` (the first stage's winner).

    ``suite.extra_budget`` points not in ``tried``: first the point where the loss equals the loss it
    extends (its declared ``reduces_to``: BSL at τ₂ = τ₁), then a balanced design over its own
    dimensions anchored there, seeded by their labels and values. Empty for a one-stage cell.
    """
    if not two_stage(suite, cell):
        return []
    extra = [i for i, d in enumerate(best.dims) if not is_shared(d)]
    anchor = dict(enumerate(best.values))
    parent = parent_point(suite, cell, best)
    if parent is not None:
        anchor.update((i, v) for i, v in enumerate(parent.values) if v in best.dims[i].values)
    chosen: list[Point] = []
    seen = set(tried)
    candidates = _design(Point(best.dims, tuple(anchor.values())), extra, None, "own")
    for point in ([parent] if parent is not None else []) + candidates:
        if point not in seen and len(chosen) < suite.extra_budget:
            chosen.append(point)
            seen.add(point)
    return chosen


def second_stage_size(suite: Suite, cell: Cell) -> int:
    """Trials the second stage trains (0: one stage); counted at the default point, where every best
    first-stage point gives the same number unless a ``reduces_to`` value falls outside the grid."""
    if not two_stage(suite, cell):
        return 0
    base = default_point(suite, cell)
    return len(second_stage(suite, cell, base, [base]))


def parent_point(suite: Suite, cell: Cell, best: Point) -> Point | None:
    """``best`` with the loss's own dimensions where the loss equals its parent; None when it declares no
    such point or the point sets none of the cell's own dimensions."""
    table = suite.loss_tables[cell.loss]
    declaration = components.loss(table.name)
    if declaration.reduces_to is None:
        return None
    values = {p.name: p.default for p in declaration.hparams}
    values.update({name: v for (target, name), v in table.fixed.items() if target == "loss"})
    values.update({d.name: v for d, v in zip(best.dims, best.values, strict=True) if d.target == "loss"})
    at = declaration.reduces_to.values(values)
    own = {i: at[d.name] for i, d in enumerate(best.dims) if d.target == "loss" and d.name in at}
    if not own or any(is_shared(best.dims[i]) for i in own):
        return None
    return Point(best.dims, tuple(own.get(i, v) for i, v in enumerate(best.values)))


def _design(base: Point, varied: list[int], count: int | None, stage: str) -> list[Point]:
    """``count`` (None: all) points of the balanced design over the dimensions ``varied`` (indices into
    ``base``), the others at ``base``'s values; its first point is ``base``."""
    by_label = sorted(varied, key=lambda i: base.dims[i].label)  # the table's order does not matter
    content = [stage, [[base.dims[i].label, [repr(v) for v in base.dims[i].values]] for i in by_label]]
    rng = seeded_random(content)
    ordered = [first_then_shuffled(base.dims[i].values, base.values[i], rng) for i in by_label]
    # the smallest dimensions cycle first: two of equal size then meet in every pair before a larger
    # one repeats them (lr x weight decay, 3 x 3, all 9 pairs within 9 points)
    fastest = sorted(range(len(by_label)), key=lambda k: len(ordered[k]))
    sizes = [len(ordered[k]) for k in fastest]
    total = math.prod(sizes)
    out = []
    for r in range(total if count is None else min(count, total)):
        values = list(base.values)
        for k, j in zip(fastest, balanced_row(sizes, r), strict=True):
            values[by_label[k]] = ordered[k][j]
        out.append(Point(base.dims, tuple(values)))
    return out


def _grid_order(point: Point) -> tuple[int, ...]:
    """A point's place in grid order (a value the grid does not list sorts after those it does)."""
    return tuple(
        d.values.index(v) if v in d.values else len(d.values)
        for d, v in zip(point.dims, point.values, strict=True)
    )


def point_config(
    suite: Suite,
    cell: Cell,
    point: Point | None,
    seed: int,
    device: str | None = None,
    *,
    trial: bool = False,
) -> RunConfig:
    """The run configuration of ``cell`` at ``point`` (None: no tuning dimensions) and ``seed``; a tuning
    ``trial`` carries the suite's pruner, so that a pruned trial never stands in for an unpruned one."""
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
        pruner=suite.pruner if trial else None,
        **settings,
    )
