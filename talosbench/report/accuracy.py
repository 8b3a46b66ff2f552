"""The accuracy table (the paper's Table 3.1 layout) with ranking marks, Imp.% and significance."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from talosbench.report import stats, verdicts
from talosbench.report.table import (
    BACKBONES,
    DASH,
    Planned,
    Runs,
    Table,
    TableCell,
    column_label,
    fmt_metric,
    mean_std,
    order,
    paper_losses,
    partial_label,
    runs_by_cell,
    scenarios,
)
from talosbench.report.verdicts import Cell

ALPHA = stats.ALPHA
INTERVAL_ROW, P_BETTER_ROW = f"Imp.% {round(100 * (1 - ALPHA))}% CI", "P(better)"
COLUMN_INCOMPLETE = "column incomplete"
"""Why a comparison is refused in a column where a planned cell lacks runs (without ``--partial``)."""


def accuracy_table(
    final: pl.DataFrame,
    metrics: Sequence[str],
    baseline: str,
    vs_all: bool = False,
    planned: Planned | None = None,
    partial: bool = False,
) -> Table:
    """Rows backbone x loss, columns dataset[/scenario] x metric; mean ± std over seeds.

    Below each backbone's losses, the baseline's comparisons: against the loss with the best validation
    mean of each column, or (``vs_all``) against every other loss, one row each. With the suite's
    ``planned`` cells, every one is shown, and a column where one lacks a completed run is neither
    ranked nor compared, unless ``partial``: the completed cells are then ranked and the title says
    how many planned runs are absent.
    """
    table = Table("accuracy", "Accuracy (test, best validation snapshot)", ["backbone", "loss"])
    cells = runs_by_cell(final, planned)
    absent = partial_label(cells) if planned is not None else None
    keys = {(k[0], k[1]) for k in cells}
    pairs = [(d, s) for d in order(k[0] for k in keys) for s in scenarios(k[1] for k in keys if k[0] == d)]
    with_scenario = len({s for _, s in pairs}) > 1
    columns = [(d, s, m) for d, s in pairs for m in metrics]
    table.columns += [column_label(d, s, m, with_scenario) for d, s, m in columns]
    table.column_datasets = {2 + c: d for c, (d, _, _) in enumerate(columns)}
    table.column_scenarios = {2 + c: s for c, (_, s, _) in enumerate(columns)}
    withheld = set() if absent is None or partial else _lacking(cells, columns)
    blocks: list[tuple[int, list[tuple[str, dict[int, verdicts.Comparison]]]]] = []
    skipped: set[str] = set()
    users = verdicts.UserValues()
    for backbone in order({k[2] for k in cells}, BACKBONES):
        losses = order({k[3] for k in cells if k[2] == backbone}, paper_losses(), last=baseline)
        grid = [[_stat(cells.get((d, s, backbone, loss)), m) for d, s, m in columns] for loss in losses]
        best, second = _ranks(grid, losses, withheld)
        for r, loss in enumerate(losses):
            row = [TableCell(backbone), TableCell(loss)]
            for c, (d, s, m) in enumerate(columns):
                mean, std, runs = grid[r][c]
                row.append(TableCell(_text(mean, std, runs), bold=(r, c) in best, underline=(r, c) in second))
                partial_fields = (
                    {}
                    if absent is None
                    else {"ranked": c not in withheld, "partial": absent.removeprefix("partial: ")}
                )
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
                        **partial_fields,
                    }
                )
            table.add(*row, rule=r == 0)
        if baseline not in losses or len(losses) < 2:
            continue
        if vs_all:
            others = [loss for loss in losses if loss != baseline]
            found = [
                (other, _against(grid, losses, (backbone, baseline, other), columns, users, withheld))
                for other in others
            ]
        else:
            skipped |= {losses[r] for r in verdicts.variants(grid, losses, baseline)}
            found = [("", _against_best(grid, losses, (backbone, baseline), columns, users, withheld))]
        blocks.append((len(table.rows), found))
        for label, row in found:  # placeholders in the block, written once Holm has seen every test
            for _ in _comparison_rows(label, row, len(columns)):
                table.add(backbone, *[DASH] * (len(columns) + 1))
    comparisons = [c for _, rows in blocks for _, row in rows for c in row.values()]
    verdicts.correct(comparisons)
    for start, rows in blocks:
        texts = [line for label, row in rows for line in _comparison_rows(label, row, len(columns))]
        for index, line in enumerate(texts, start):
            table.rows[index][1:] = [TableCell(text) for text in line]
    table.records += [comparison.record for comparison in comparisons]
    table.footer = _footer(final, baseline, planned)
    if absent is not None:
        table.title += f" — {absent}"
        table.footer.insert(0, _partial_note(absent, partial, bool(withheld), planned))
    if blocks:
        table.footer += verdicts.notes(comparisons, baseline, skipped, vs_all)
    else:
        table.footer.append(
            f"No Imp.% row and no significance tests: the baseline '{baseline}' has no runs beside "
            "another loss (choose one with --baseline)."
        )
    return table


def _stat(runs: Runs | None, metric: str) -> Cell:
    if runs is None:
        return None, None, None
    mean, std = mean_std(runs.values(f"test_{metric}"))
    return mean, std, runs


def _text(mean: float | None, std: float | None, runs: Runs | None) -> str:
    if runs is None:
        return f"{DASH} (no runs)"
    text = fmt_metric(mean, std)
    return text if runs.complete else f"{text} ({runs.summary()})"


def _lacking(cells: dict[tuple[str, ...], Runs], columns: list[tuple[str, str, str]]) -> set[int]:
    """The columns where a planned cell (of any backbone) lacks a completed run."""
    incomplete = {key[:2] for key, runs in cells.items() if not runs.complete}
    return {c for c, (d, s, _) in enumerate(columns) if (d, s) in incomplete}


def _partial_note(label: str, partial: bool, withheld: bool, planned: Planned | None) -> str:
    """What a table of a suite whose planned runs did not all complete ranks, and why."""
    absent = "absent: not trained yet or interrupted, failed or diverged"
    absent += (
        ", or in training now (the suite is being run)" if planned is not None and planned.running else ""
    )
    if partial:
        return (
            f"{label[0].upper()}{label[1:]} ({absent}): --partial ranks and compares the cells whose "
            "runs all completed, though a cell still lacking runs might have been the best."
        )
    if not withheld:
        return f"{label[0].upper()}{label[1:]} ({absent})."
    return (
        f"{label[0].upper()}{label[1:]} ({absent}): no bold, underline or Imp.% in a column where a "
        "planned cell lacks runs, since the missing cell might be the best; rerun `talosbench run` to "
        "complete it, or pass --partial to rank the completed cells anyway."
    )


def _ranks(
    grid: list[list[Cell]], losses: list[str], withheld: set[int]
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Best and runner-up per column among cells with every seed completed (ties share the mark);
    none in a ``withheld`` column."""
    best: set[tuple[int, int]] = set()
    second: set[tuple[int, int]] = set()
    for c in range(len(grid[0]) if grid else 0):
        if c in withheld:
            continue
        ranked = [(grid[r][c][0], r) for r in range(len(losses)) if verdicts.complete(grid[r][c])]
        distinct = sorted({mean for mean, _ in ranked}, reverse=True)
        best |= {(r, c) for mean, r in ranked if distinct and mean == distinct[0]}
        second |= {(r, c) for mean, r in ranked if len(distinct) > 1 and mean == distinct[1]}
    return best, second


def _against_best(
    grid: list[list[Cell]],
    losses: list[str],
    sides: tuple[str, str],
    columns: list[tuple[str, str, str]],
    users: verdicts.UserValues,
    withheld: set[int],
) -> dict[int, verdicts.Comparison]:
    """Per column, the baseline against the loss with the best validation mean; refusals included.

    ``sides``: the backbone and the baseline."""
    backbone, baseline = sides
    b = losses.index(baseline)
    found = {}
    for c, column in enumerate(columns):
        r, blockers = verdicts.opponent(grid, losses, baseline, c, column[2])
        base = grid[b][c]
        if base[2] is None or (r is None and not blockers and c not in withheld):
            continue
        record = verdicts.where(column, backbone, baseline, losses[r] if r is not None else None)
        if c in withheld:
            record["refused"] = COLUMN_INCOMPLETE
            found[c] = verdicts.Comparison(record)
        elif not verdicts.complete(base) or blockers or r is None:
            record["refused"] = f"{', '.join(blockers) if blockers else baseline} incomplete"
            found[c] = verdicts.Comparison(record)
        else:
            valid = verdicts.validation_mean(grid[r][c], column[2])
            found[c] = verdicts.compare(record, base, grid[r][c], users, valid)
    return found


def _against(
    grid: list[list[Cell]],
    losses: list[str],
    sides: tuple[str, str, str],
    columns: list[tuple[str, str, str]],
    users: verdicts.UserValues,
    withheld: set[int],
) -> dict[int, verdicts.Comparison]:
    """Per column, the baseline against ``other`` (``--vs-all``); an incomplete side is refused.

    ``sides``: the backbone, the baseline and the other loss."""
    backbone, baseline, other = sides
    b, r = losses.index(baseline), losses.index(other)
    found = {}
    for c, column in enumerate(columns):
        base, cell = grid[b][c], grid[r][c]
        if base[2] is None or cell[2] is None:
            continue
        record = verdicts.where(column, backbone, baseline, other)
        incomplete = [loss for loss, side in ((baseline, base), (other, cell)) if not verdicts.complete(side)]
        if c in withheld:
            record["refused"] = COLUMN_INCOMPLETE
            found[c] = verdicts.Comparison(record)
        elif incomplete:
            record["refused"] = f"{', '.join(incomplete)} incomplete"
            found[c] = verdicts.Comparison(record)
        else:
            valid = verdicts.validation_mean(cell, column[2])
            found[c] = verdicts.compare(record, base, cell, users, valid)
    return found


def _comparison_rows(label: str, found: dict[int, verdicts.Comparison], width: int) -> list[list[str]]:
    """The rows of one opponent after the loss column: Imp.% (named in each cell, or ``Imp.% vs X`` in
    the label), and, where any of its comparisons was tested, its intervals and P(better)."""

    def row(name: str, text: Callable[[verdicts.Comparison], str]) -> list[str]:
        return [name, *(text(found[c]) if c in found else DASH for c in range(width))]

    named = not label
    rows = [row("Imp.%" if named else f"Imp.% vs {label}", lambda c: verdicts.imp_text(c, named))]
    if any(comparison.tested for comparison in found.values()):
        rows += [row(INTERVAL_ROW, verdicts.interval_text), row(P_BETTER_ROW, verdicts.p_better_text)]
    return rows


def _footer(final: pl.DataFrame, baseline: str, planned: Planned | None) -> list[str]:
    seeds = sorted(planned.seeds if planned is not None else final["seed"].unique().to_list())
    return [
        f"Mean ± sample std over {len(seeds)} seed(s) ({', '.join(map(str, seeds))}); "
        "cells with missing or failed runs say so and are not ranked.",
        "Bold: best, underlined: runner-up, per column within each backbone.",
    ]
