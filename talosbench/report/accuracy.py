"""The accuracy table (the paper's Table 3.1 layout) with ranking marks, Imp.% and significance."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from talosbench.report import stats
from talosbench.report.model import (
    BACKBONES,
    DASH,
    Runs,
    Table,
    TableCell,
    column_label,
    fmt_metric,
    mean_std,
    order,
    paper_losses,
    runs_by_cell,
    scenarios,
)  # fmt: skip

ALPHA = 0.05
WILCOXON_MARK, TTEST_MARK = "*", "†"


@dataclass
class _Comparison:
    """The baseline against the best other loss in one column of one backbone block."""

    record: dict
    p_wilcoxon: float
    p_ttest: float


def accuracy_table(final: pl.DataFrame, metrics: Sequence[str], baseline: str) -> Table:
    """Rows backbone x loss, columns dataset[/scenario] x metric; mean ± std over seeds."""
    table = Table("accuracy", "Accuracy (test, best validation snapshot)", ["backbone", "loss"])
    cells = runs_by_cell(final)
    keys = {(k[0], k[1]) for k in cells}
    pairs = [(d, s) for d in order(k[0] for k in keys) for s in scenarios(k[1] for k in keys if k[0] == d)]
    with_scenario = len({s for _, s in pairs}) > 1
    columns = [(d, s, m) for d, s in pairs for m in metrics]
    table.columns += [column_label(d, s, m, with_scenario) for d, s, m in columns]
    comparisons: list[_Comparison] = []
    imp_rows: dict[int, dict[int, _Comparison]] = {}
    for backbone in order({k[2] for k in cells}, BACKBONES):
        losses = order({k[3] for k in cells if k[2] == backbone}, paper_losses(), last=baseline)
        grid = [[_stat(cells.get((d, s, backbone, loss)), m) for d, s, m in columns] for loss in losses]
        best, second = _ranks(grid, losses)
        for r, loss in enumerate(losses):
            row = [TableCell(backbone), TableCell(loss)]
            for c, (d, s, m) in enumerate(columns):
                mean, std, runs = grid[r][c]
                row.append(TableCell(_text(mean, std, runs), bold=(r, c) in best, underline=(r, c) in second))
                table.records.append({
                    "dataset": d, "scenario": s, "backbone": backbone, "loss": loss, "metric": m,
                    "value": mean, "std": std, "n": runs.ok.height if runs else 0,
                    "expected": runs.expected if runs else 0, "runs": runs.summary() if runs else "no runs",
                    "best": (r, c) in best, "runner_up": (r, c) in second,
                })  # fmt: skip
            table.add(*row, rule=r == 0)
        if baseline not in losses or len(losses) < 2:
            continue
        found = {c: _compare(grid, losses, baseline, c, col) for c, col in enumerate(columns)}
        imp_rows[len(table.rows)] = {c: comparison for c, comparison in found.items() if comparison}
        table.add(backbone, "Imp.%", *[DASH] * len(columns))
    comparisons = [comparison for row in imp_rows.values() for comparison in row.values()]
    _correct(comparisons)
    for index, row in imp_rows.items():
        for c, comparison in row.items():
            table.rows[index][2 + c] = TableCell(_imp_text(comparison))
            table.records.append(comparison.record)
    table.footer = _footer(final, baseline, bool(imp_rows), len(comparisons))
    return table


def _stat(runs: Runs | None, metric: str) -> tuple[float | None, float | None, Runs | None]:
    if runs is None:
        return None, None, None
    mean, std = mean_std(runs.values(f"test_{metric}"))
    return mean, std, runs


def _text(mean: float | None, std: float | None, runs: Runs | None) -> str:
    if runs is None:
        return f"{DASH} (no runs)"
    text = fmt_metric(mean, std)
    return text if runs.complete else f"{text} ({runs.summary()})"


def _ranks(grid: list[list[tuple]], losses: list[str]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Best and runner-up per column among cells with every seed completed (ties share the mark)."""
    best: set[tuple[int, int]] = set()
    second: set[tuple[int, int]] = set()
    for c in range(len(grid[0]) if grid else 0):
        ranked = [(grid[r][c][0], r) for r in range(len(losses)) if _complete(grid[r][c])]
        distinct = sorted({mean for mean, _ in ranked}, reverse=True)
        best |= {(r, c) for mean, r in ranked if distinct and mean == distinct[0]}
        second |= {(r, c) for mean, r in ranked if len(distinct) > 1 and mean == distinct[1]}
    return best, second


def _complete(stat: tuple) -> bool:
    mean, _, runs = stat
    return mean is not None and runs is not None and runs.complete


def _compare(
    grid: list[list[tuple]], losses: list[str], baseline: str, c: int, column: tuple[str, str, str]
) -> _Comparison | None:
    """Baseline vs the best other loss in column ``c``; None when either side is incomplete."""
    d, s, metric = column
    b = losses.index(baseline)
    others = [(grid[r][c][0], r) for r in range(len(losses)) if r != b and _complete(grid[r][c])]
    if not _complete(grid[b][c]) or not others:
        return None
    best_other, r = max(others)
    base_runs, other_runs = grid[b][c][2], grid[r][c][2]
    a, o = stats.per_user_pairs(base_runs.ok, other_runs.ok, metric)
    seeds = sorted(set(base_runs.ok["seed"]) & set(other_runs.ok["seed"]))
    p_t = math.nan
    if len(seeds) >= 3:
        base_means = base_runs.ok.filter(pl.col("seed").is_in(seeds)).sort("seed")[f"test_{metric}"]
        other_means = other_runs.ok.filter(pl.col("seed").is_in(seeds)).sort("seed")[f"test_{metric}"]
        p_t = stats.ttest(base_means.to_list(), other_means.to_list())
    improvement = (grid[b][c][0] - best_other) / best_other * 100 if best_other > 0 else None
    record = {
        "dataset": d, "scenario": s, "backbone": base_runs.frame["backbone"][0], "loss": "Imp.%",
        "metric": metric, "value": improvement, "baseline": baseline, "vs": losses[r], "pairs": len(a),
    }  # fmt: skip
    return _Comparison(record, stats.wilcoxon(a, o), p_t)


def _correct(comparisons: list[_Comparison]) -> None:
    """Holm across the table, separately for each test (each is its own family of hypotheses)."""
    for attr, key in (("p_wilcoxon", "p_wilcoxon_holm"), ("p_ttest", "p_ttest_holm")):
        done = [c for c in comparisons if not math.isnan(getattr(c, attr))]
        for comparison, adjusted in zip(done, stats.holm([getattr(c, attr) for c in done]), strict=True):
            comparison.record[key] = adjusted
        for comparison in comparisons:
            comparison.record.setdefault(key, None)


def _imp_text(comparison: _Comparison | None) -> str:
    if comparison is None or comparison.record["value"] is None:
        return DASH
    marks = "".join(
        mark
        for key, mark in (("p_wilcoxon_holm", WILCOXON_MARK), ("p_ttest_holm", TTEST_MARK))
        if comparison.record.get(key) is not None and comparison.record[key] < ALPHA
    )
    return f"{comparison.record['value']:+.2f}%{marks}"


def _footer(final: pl.DataFrame, baseline: str, compared: bool, tests: int) -> list[str]:
    seeds = sorted(final["seed"].unique().to_list())
    lines = [
        f"Mean ± sample std over {len(seeds)} seed(s) ({', '.join(map(str, seeds))}); "
        "cells with missing or failed runs say so and are not ranked.",
        "Bold: best, underlined: runner-up, per column within each backbone.",
    ]
    if not compared:
        return [
            *lines,
            f"No Imp.% row and no significance tests: the baseline '{baseline}' has no runs beside "
            "another loss (choose one with --baseline).",
        ]
    return [
        *lines,
        f"Imp.%: {baseline} against the best other loss. "
        f"{WILCOXON_MARK} p < {ALPHA}: paired Wilcoxon signed-rank test on per-user test values, "
        f"pooled over seeds (pairs: seed, user); {TTEST_MARK} p < {ALPHA}: paired t-test over seed means "
        f"(only with >= 3 seeds); Holm correction across the {tests} comparison(s) of this table.",
    ]
