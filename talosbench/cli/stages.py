"""The dry run's tuning points: per tuned cell, each stage's points and what they cover."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from talosbench.suite import Point, components, default_point, is_shared, parent_point

if TYPE_CHECKING:
    from talosbench.runner import CellStatus


def stage_lines(cells: Sequence[CellStatus]) -> list[str]:
    """Each tuned cell's points, stage by stage; a first stage another cell already showed is named, not
    repeated (identical shared grids draw identical points)."""
    lines: list[str] = []
    shown: dict[tuple[object, ...], str] = {}
    for status in cells:
        plan = status.plan
        if not plan.tuned:
            continue
        cell = plan.cell
        lines.append(f"{cell}: {_kind(status)}")
        first = list(plan.points[: plan.first_stage] if plan.two_stage else plan.points)
        lines.append(f"  {'stage 1' if plan.two_stage else 'points'}: {_covered(first, plan.grid_size)}")
        # a loss's own dimensions are constant in a first stage: its shared values name its points
        constant = plan.two_stage or all(is_shared(d) for d in first[0].dims) if first else False
        key = tuple(_shared(p) for p in first) if constant else ()
        if key in shown:
            own = ", ".join(f"{k}={v}" for k, v in _own(first[0]).items())
            lines.append(f"    the same shared points as {shown[key]}" + (f", with {own}" if own else ""))
        else:
            if key:
                shown[key] = str(cell)
            default = default_point(plan.suite, cell)
            lines += [f"    {_show(p)}{'  (default)' if p == default else ''}" for p in first]
        if plan.two_stage:
            lines += _second_stage(status, first)
    return lines


def _kind(status: CellStatus) -> str:
    plan = status.plan
    if plan.tpe:
        return f"TPE over the whole grid, {plan.trial_count} of {plan.grid_size} points, one at a time"
    if not plan.two_stage:
        return f"{len(plan.points)} of {plan.grid_size} points, one stage"
    own = [d.label for d in plan.points[0].dims if not is_shared(d)]
    return (
        f"two stages: {plan.first_stage} points of the shared dimensions, then {plan.second_stage} of "
        f"{', '.join(own)} at the best of them"
    )


def _second_stage(status: CellStatus, first: list[Point]) -> list[str]:
    plan = status.plan
    second = list(plan.points[plan.first_stage :])
    if not second:
        return [f"  stage 2: {plan.second_stage} points, after stage 1 (they depend on its stored results)"]
    best = next(p for p in first if _shared(p) == _shared(second[0]))  # the point stage 2 varies
    parent = parent_point(plan.suite, plan.cell, best)
    loss = components.loss(plan.suite.loss_tables[plan.cell.loss].name)
    reduced = f"  ({loss.name} equals {loss.reduces_to.parent} here)" if loss.reduces_to else ""
    lines = [f"  stage 2, at the best stage-1 point ({_show(best)}): {_covered(second, plan.grid_size)}"]
    lines += [f"    {_show(p)}{reduced if p == parent else ''}" for p in second]
    return lines


def _covered(points: Sequence[Point], grid: int) -> str:
    """``12 of 54 points; lr 3/3, tau 6/6, ...``: values each dimension tries of those its grid lists."""
    if not points:
        return "none yet"
    dims = points[0].dims
    per_dim = ", ".join(
        f"{d.label} {len({p.values[i] for p in points} & set(d.values))}/{len(d.values)}"
        for i, d in enumerate(dims)
    )
    return f"{len(points)} of {grid} points; values tried per dimension: {per_dim}"


def _own(point: Point) -> dict[str, object]:
    return {d.label: v for d, v in zip(point.dims, point.values, strict=True) if not is_shared(d)}


def _shared(point: Point) -> tuple[object, ...]:
    return tuple(v for d, v in zip(point.dims, point.values, strict=True) if is_shared(d))


def _show(point: Point) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.as_dict().items())
