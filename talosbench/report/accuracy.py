"""The accuracy table (the paper's Table 3.1 layout) with ranking marks, Imp.% and significance."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from talosbench.report import stats
from talosbench.report.table import (
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
)

ALPHA = 0.05
WILCOXON_MARK, TTEST_MARK = "*", "†"
BETTER, WORSE = "↑", "↓"  # the baseline is significantly better / worse than its opponent


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
    table.column_datasets = {2 + c: d for c, (d, _, _) in enumerate(columns)}
    imp_rows: dict[int, dict[int, _Comparison]] = {}
    variants: set[str] = set()
    for backbone in order({k[2] for k in cells}, BACKBONES):
        losses = order({k[3] for k in cells if k[2] == backbone}, paper_losses(), last=baseline)
        grid = [[_stat(cells.get((d, s, backbone, loss)), m) for d, s, m in columns] for loss in losses]
        best, second = _ranks(grid, losses)
        for r, loss in enumerate(losses):
            row = [TableCell(backbone), TableCell(loss)]
            for c, (d, s, m) in enumerate(columns):
                mean, std, runs = grid[r][c]
                row.append(TableCell(_text(mean, std, runs), bold=(r, c) in best, underline=(r, c) in second))
                table.records.append(
                    {
                        "dataset": d,
                        "scenario": s,
                        "backbone": backbone,
                        "loss": loss,
                        "metric": m,
                        "value": mean,
                        "std": std,
                        "n": runs.ok.height if runs else 0,
                        "expected": runs.expected if runs else 0,
                        "runs": runs.summary() if runs else "no runs",
                        "best": (r, c) in best,
                        "runner_up": (r, c) in second,
                    }
                )
            table.add(*row, rule=r == 0)
        if baseline not in losses or len(losses) < 2:
            continue
        variants |= {losses[r] for r in _variants(grid, losses, baseline)}
        found = {c: _compare(grid, losses, baseline, c, col) for c, col in enumerate(columns)}
        imp_rows[len(table.rows)] = {c: comparison for c, comparison in found.items() if comparison}
        table.add(backbone, "Imp.%", *[DASH] * len(columns))
    comparisons = [comparison for row in imp_rows.values() for comparison in row.values()]
    _correct(comparisons)
    for index, row in imp_rows.items():
        for c, comparison in row.items():
            table.rows[index][2 + c] = TableCell(_imp_text(comparison))
            table.records.append(comparison.record)
    table.footer = _footer(final, baseline, comparisons if imp_rows else None, variants)
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


def _loss_name(runs: Runs | None, label: str) -> str:
    """The registered loss a grid label trains (``talos@50`` trains ``talos``)."""
    if runs is not None and "loss_name" in runs.frame.columns and runs.frame["loss_name"][0] is not None:
        return str(runs.frame["loss_name"][0])
    return label.split("@")[0]


def _variants(grid: list[list[tuple]], losses: list[str], baseline: str) -> set[int]:
    """Rows that are the baseline's own loss under another label, or one of its ablations.

    Beating oneself at another setting (talos@20 against talos@50) or one's ablation
    (talos against talos-no-quantile) is not an improvement over the state of the art.
    """
    names = [
        next((_loss_name(stat[2], loss) for stat in row if stat[2] is not None), loss.split("@")[0])
        for row, loss in zip(grid, losses, strict=True)
    ]
    base = names[losses.index(baseline)]
    return {
        r
        for r, (name, loss) in enumerate(zip(names, losses, strict=True))
        if loss != baseline and (name == base or name.startswith(f"{base}-"))
    }


def _opponent(
    grid: list[list[tuple]], losses: list[str], baseline: str, c: int
) -> tuple[int | None, list[str]]:
    """The best complete other cell of column ``c`` (a row) and the incomplete cells that beat it.

    A cell with missing seeds whose partial mean is higher might be the true best: its name is
    returned so that the comparison is refused rather than made against a weaker loss.
    """
    b, variants = losses.index(baseline), _variants(grid, losses, baseline)
    candidates = [r for r in range(len(losses)) if r != b and r not in variants and grid[r][c][0] is not None]
    best = max(((grid[r][c][0], r) for r in candidates if _complete(grid[r][c])), default=None)
    blockers = [
        losses[r]
        for r in candidates
        if not _complete(grid[r][c]) and (best is None or grid[r][c][0] > best[0])
    ]
    return (best[1] if best else None), blockers


def _compare(
    grid: list[list[tuple]], losses: list[str], baseline: str, c: int, column: tuple[str, str, str]
) -> _Comparison | None:
    """Baseline vs its opponent in column ``c``; a refusal when either side is not certain."""
    d, s, metric = column
    b = losses.index(baseline)
    r, blockers = _opponent(grid, losses, baseline, c)
    base_runs = grid[b][c][2]
    if base_runs is None or (r is None and not blockers):
        return None
    record = {
        "dataset": d,
        "scenario": s,
        "backbone": base_runs.frame["backbone"][0],
        "loss": "Imp.%",
        "metric": metric,
        "value": None,
        "baseline": baseline,
        "vs": None,
        "seeds": 0,
        "users": 0,
        "refused": None,
    }
    if not _complete(grid[b][c]) or blockers or r is None:
        record["refused"] = f"{', '.join(blockers) if blockers else baseline} incomplete"
        return _Comparison(record, math.nan, math.nan)
    best_other, other_runs = grid[r][c][0], grid[r][c][2]
    a, o, shared = stats.per_user_means(base_runs.ok, other_runs.ok, metric)
    improvement = (grid[b][c][0] - best_other) / best_other * 100 if best_other > 0 else None
    record |= {"value": improvement, "vs": losses[r], "seeds": shared, "users": len(a)}
    return _Comparison(record, stats.user_test(a, o, shared), _seed_ttest(base_runs, other_runs, metric))


def _seed_ttest(base: Runs, other: Runs, metric: str) -> float:
    """Paired t-test over the per-seed means of the seeds both cells completed; NaN below 3 seeds."""
    seeds = sorted(set(base.ok["seed"]) & set(other.ok["seed"]))
    if len(seeds) < 3:
        return math.nan
    base_means = base.ok.filter(pl.col("seed").is_in(seeds)).sort("seed")[f"test_{metric}"]
    other_means = other.ok.filter(pl.col("seed").is_in(seeds)).sort("seed")[f"test_{metric}"]
    return stats.ttest(base_means.to_list(), other_means.to_list())


def _correct(comparisons: list[_Comparison]) -> None:
    """Holm per metric across the table, separately for each test.

    The family is what one reads together: the comparisons of one metric in this table (every
    dataset, scenario and backbone), each test being its own family.
    """
    for metric in {c.record["metric"] for c in comparisons}:
        family = [c for c in comparisons if c.record["metric"] == metric]
        for attr, key in (("p_wilcoxon", "p_wilcoxon_holm"), ("p_ttest", "p_ttest_holm")):
            done = [c for c in family if not math.isnan(getattr(c, attr))]
            for comparison, adjusted in zip(done, stats.holm([getattr(c, attr) for c in done]), strict=True):
                comparison.record[key] = adjusted
    for comparison in comparisons:
        comparison.record.setdefault("p_wilcoxon_holm", None)
        comparison.record.setdefault("p_ttest_holm", None)


def _imp_text(comparison: _Comparison | None) -> str:
    """``+4.20%↑*† vs sl``: the arrow says which way a significant difference goes."""
    if comparison is None:
        return DASH
    record = comparison.record
    if record["refused"]:
        return f"{DASH} ({record['refused']})"
    if record["value"] is None:
        return f"{DASH} vs {record['vs']}"
    marks = "".join(
        mark
        for key, mark in (("p_wilcoxon_holm", WILCOXON_MARK), ("p_ttest_holm", TTEST_MARK))
        if record.get(key) is not None and record[key] < ALPHA
    )
    arrow = (BETTER if record["value"] > 0 else WORSE) if marks and record["value"] != 0 else ""
    return f"{record['value']:+.2f}%{arrow}{marks} vs {record['vs']}"


def _footer(
    final: pl.DataFrame, baseline: str, comparisons: list[_Comparison] | None, variants: set[str]
) -> list[str]:
    seeds = sorted(final["seed"].unique().to_list())
    lines = [
        f"Mean ± sample std over {len(seeds)} seed(s) ({', '.join(map(str, seeds))}); "
        "cells with missing or failed runs say so and are not ranked.",
        "Bold: best, underlined: runner-up, per column within each backbone.",
    ]
    if comparisons is None:
        return [
            *lines,
            f"No Imp.% row and no significance tests: the baseline '{baseline}' has no runs beside "
            "another loss (choose one with --baseline).",
        ]
    skipped = f" Variants of {baseline} are not opponents: {', '.join(sorted(variants))}." if variants else ""
    return [*lines, _opponent_note(baseline) + skipped, _significance_note(comparisons)]


def _opponent_note(baseline: str) -> str:
    return (
        f"Imp.%: {baseline} against the best other loss of the column, named after 'vs', chosen among "
        "cells whose seeds all completed; when a cell with missing seeds has a higher partial mean, the "
        "comparison is refused ('– (... incomplete)'), as that loss may be the true best."
    )


def _significance_note(comparisons: list[_Comparison]) -> str:
    tested = [c.record for c in comparisons if not c.record["refused"] and c.record["vs"]]
    counts = sorted({r["seeds"] for r in tested})
    seeds = f"the {' or '.join(map(str, counts))} seed(s)" if counts else "the seeds"
    families = ", ".join(
        f"{metric} ({sum(r['metric'] == metric for r in tested)})"
        for metric in dict.fromkeys(c.record["metric"] for c in comparisons)
    )
    return (
        f"{WILCOXON_MARK}: paired Wilcoxon signed-rank test over users, each user's test value first "
        f"averaged over {seeds} both cells share (the user is the unit; no test below "
        f"{stats.MIN_SEEDS} seeds); {TTEST_MARK}: paired t-test over the per-seed means (≥ 3 seeds). "
        f"Holm correction per metric across that metric's comparisons in this table, separately per "
        f"test: {families or 'none'}. {BETTER} / {WORSE}: the baseline is significantly better / worse "
        f"(corrected p < {ALPHA})."
    )
