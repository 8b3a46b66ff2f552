"""The tuning table: the hyper-parameters chosen per cell, each stage's trials and what they covered."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from talosbench.config import ENDED
from talosbench.report.table import CELL, DASH, Table, fmt_metric, ordered_cells
from talosbench.results import point_columns


def tuning_table(frame: pl.DataFrame, metric: str, baseline: str) -> Table:
    """Per tuned cell: the chosen point (final runs) and its stage; each stage's trials, points tried,
    coverage of the grid and of each dimension's values, failures (trials)."""
    columns = [
        "chosen",
        "stage 1",
        "stage 2",
        "points tried",
        "coverage",
        "values tried",
        "failed trials",
        "budget",
        f"valid {metric} (chosen)",
    ]
    labels = point_columns(frame)
    tuned = pl.any_horizontal(pl.col(labels).is_not_null()) if labels else pl.lit(False)
    trials = frame.filter(pl.col("role") == "trial")
    pruning = bool(trials.filter(pl.col("status") == "pruned").height)
    if pruning:  # a column of its own only where a pruner stopped trials: other reports stay as they were
        columns.insert(columns.index("failed trials"), "pruned trials")
    table = Table("tuning", "Tuning", [*CELL, *columns])
    final = frame.filter((pl.col("role") == "final") & tuned)
    keys = {tuple(r) for r in pl.concat([trials.select(CELL), final.select(CELL)]).unique().iter_rows()}
    for key, first in ordered_cells(keys, baseline):
        where = pl.all_horizontal(pl.col(c) == v for c, v in zip(CELL, key, strict=True))
        cell_trials, cell_final = trials.filter(where), final.filter(where)
        chosen = cell_final.select(labels).unique(maintain_order=True)
        # Stores written before the tuning seed kept the chosen trial only as the first seed's final
        # run: count both roles.
        pool = pl.concat([cell_trials, cell_final], how="diagonal_relaxed")
        budgets = pool["tuning_budget"].drop_nulls()
        tried = pool.filter(tuned).select(labels).unique().height
        failed = cell_trials.filter(~pl.col("status").is_in(ENDED)).height
        pruned = cell_trials.filter(pl.col("status") == "pruned").height
        valid = f"valid_{metric}"
        first_seed = (cell_trials if cell_trials.height else pool)["seed"].min()
        first_runs = pool.filter(pl.col("seed") == first_seed)
        at_chosen = first_runs.join(chosen, on=labels, how="semi", nulls_equal=True)
        scores = at_chosen[valid].drop_nulls().to_list() if valid in pool.columns else []
        budget = int(budgets.max()) if budgets.len() else None
        grids = pool["tuning_grid"].drop_nulls()
        grid = int(grids.max()) if grids.len() else None  # None: stored before the grid size was
        stages = cell_trials["tuning_stage"].drop_nulls()  # a one-stage cell records none
        per_stage = [int((stages == n).sum()) for n in (1, 2)] if stages.len() else None
        chosen_stage = cell_final["tuning_stage"].drop_nulls()
        values = _values_tried(pool.filter(tuned), labels)
        table.add(
            *key,
            _chosen(chosen, int(chosen_stage[0]) if chosen_stage.len() else None),
            str(per_stage[0]) if per_stage else str(tried),
            str(per_stage[1]) if per_stage else DASH,
            str(tried),
            _coverage(tried, grid),
            ", ".join(f"{label} {n}" for label, n in values.items()),
            *([str(pruned)] if pruning else []),
            str(failed),
            DASH if budget is None else str(budget),
            fmt_metric(max(scores), None) if scores else DASH,
            rule=first,
        )
        record = dict(zip(CELL, key, strict=True))
        table.records.append({**record, "metric": "points_tried", "value": tried, "budget": budget})
        if pruning:
            table.records.append({**record, "metric": "pruned_trials", "value": pruned})
        for stage, count in enumerate(per_stage or [], start=1):
            table.records.append({**record, "metric": f"stage_{stage}_trials", "value": count})
        table.records += [
            {**record, "metric": f"values_tried.{label}", "value": None, "text": text}
            for label, text in values.items()
        ]
        table.records.append(
            {**record, "metric": "coverage", "value": tried / grid if grid else None, "grid": grid}
        )
        table.records += [
            {
                **record,
                "metric": name,
                "value": value if isinstance(value, (int, float)) else None,
                "text": str(value),
            }
            for point in _points(chosen)
            for name, value in point.items()
        ]
    table.footer = [
        "Chosen: the point trained with every reported seed, picked on validation from trials "
        "trained with the tuning seed, which no reported run uses (test never seen), over both stages "
        "where there are two. Stage 1: points of the shared dimensions (lr, weight decay, tau, the "
        "backbone's), a balanced draw with the loss's own dimensions at their defaults; stage 2: the "
        "loss's own dimensions at the best stage-1 point (a dash: one stage). Points tried: "
        "distinct grid points trained for the cell; coverage: points tried / points in its full grid; "
        "values tried: per dimension, the values tried / the values its grid lists."
        + (
            " Pruned trials: stopped by the suite's pruner at a validation where their curve fell behind "
            "the cell's earlier trials; never chosen, not failures."
            if pruning
            else ""
        )
        if table.rows
        else "No cell was tuned (no trial runs and no tuned final runs)."
    ]
    return table


def _points(chosen: pl.DataFrame) -> list[dict[str, Any]]:
    """Each chosen point as ``{setting: value}`` over the settings it tunes."""
    return [
        {name.removeprefix("point."): value for name, value in row.items() if value is not None}
        for row in chosen.iter_rows(named=True)
    ]


def _chosen(chosen: pl.DataFrame, stage: int | None) -> str:
    """``tau=0.1, tau2=0.1 (stage 2)``: the chosen point(s), with the stage it came from in two."""
    text = "; ".join(_show(p) for p in _points(chosen)) or "not chosen yet"
    return f"{text} (stage {stage})" if stage is not None and chosen.height else text


def _values_tried(trials: pl.DataFrame, labels: list[str]) -> dict[str, str]:
    """Per tuned setting, ``3/3``: distinct values its trials tried / the values its grid lists (the bare
    count when the store does not record the grid)."""
    grids: dict[str, int] = {}
    for recorded in trials["tuning_values"].drop_nulls().unique().to_list():
        grids.update(json.loads(recorded))
    out = {}
    for column in labels:
        tried = trials[column].drop_nulls()
        if not tried.len():
            continue
        label = column.removeprefix("point.")
        out[label] = f"{tried.n_unique()}/{grids[label]}" if label in grids else str(tried.n_unique())
    return out


def _coverage(tried: int, grid: int | None) -> str:
    """``12/54 (22 %)``; a dash when the store does not record the grid's size."""
    return DASH if not grid else f"{tried}/{grid} ({tried / grid:.0%})".replace("%", " %")


def _show(point: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in point.items())
