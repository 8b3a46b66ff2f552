"""The tuning table: the hyper-parameters chosen per cell and how many points were tried."""

from __future__ import annotations

import json

import polars as pl

from talosbench.report.model import CELL, DASH, Table, fmt_metric, ordered_cells


def tuning_table(frame: pl.DataFrame, metric: str, baseline: str) -> Table:
    """Per tuned cell: the chosen point (from final runs), points tried and failed (from trials)."""
    columns = ["chosen", "points tried", "failed trials", "budget", f"valid {metric} (chosen)"]
    table = Table("tuning", "Tuning", [*CELL, *columns])
    trials = frame.filter(pl.col("role") == "trial")
    final = frame.filter((pl.col("role") == "final") & pl.col("tuning_point").is_not_null())
    keys = {tuple(r) for r in pl.concat([trials.select(CELL), final.select(CELL)]).unique().iter_rows()}
    for key, first in ordered_cells(keys, baseline):
        where = pl.all_horizontal(pl.col(c) == v for c, v in zip(CELL, key, strict=True))
        cell_trials, cell_final = trials.filter(where), final.filter(where)
        chosen = cell_final["tuning_point"].drop_nulls().unique().to_list()
        # The runner stores the chosen trial once, as the first seed's final run: count both roles.
        pool = pl.concat([cell_trials, cell_final], how="diagonal_relaxed")
        budgets = pool["tuning_budget"].drop_nulls()
        tried = pool["tuning_point"].drop_nulls().n_unique()
        failed = cell_trials.filter(pl.col("status") != "completed").height
        valid = f"valid_{metric}"
        first_seed = (cell_trials if cell_trials.height else pool)["seed"].min()
        scores = (
            pool.filter(pl.col("tuning_point").is_in(chosen), pl.col("seed") == first_seed)[valid]
            .drop_nulls().to_list()
            if valid in pool.columns else []
        )  # fmt: skip
        budget = int(budgets.max()) if budgets.len() else None
        table.add(
            *key, "; ".join(_point(p) for p in chosen) or "not chosen yet", str(tried), str(failed),
            DASH if budget is None else str(budget), fmt_metric(max(scores), None) if scores else DASH,
            rule=first,
        )  # fmt: skip
        record = dict(zip(CELL, key, strict=True))
        table.records.append({**record, "metric": "points_tried", "value": tried, "budget": budget})
        table.records += [
            {**record, "metric": name, "value": value if isinstance(value, (int, float)) else None,
             "text": str(value)}
            for point in chosen for name, value in json.loads(point).items()
        ]  # fmt: skip
    table.footer = [
        "Chosen: the point trained with every seed, picked on validation with the first seed "
        "(test never seen). Points tried: distinct grid points trained for the cell."
        if table.rows
        else "No cell was tuned (no trial runs and no tuned final runs)."
    ]
    return table


def _point(blob: str) -> str:
    return ", ".join(f"{name}={value}" for name, value in json.loads(blob).items())
