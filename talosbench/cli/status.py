"""``talosbench status``: what a results folder holds of each suite, and what is left to train.

Per cell: runs complete, failed (stored, not retrained), damaged (retrained), missing, the tuning trials
stored and the chosen point, and the wall time of its stored runs; per suite, the estimate of what is
left, priced from the suite's stored runs (``bench.estimate``). Nothing is trained or written.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from talosbench.cli.listing import echo_json, fit, paragraph
from talosbench.cli.options import data_dir_option, json_option, results_dir_option

if TYPE_CHECKING:
    from talosbench.runner import CellCount
    from talosbench.suite import Suite


def status(
    target: str | None = typer.Argument(
        None,
        metavar="RESULTS_DIR_OR_SUITE",
        help="A results folder (a suite's, or a root of several), or a suite file or shipped suite name "
        "(its results in --results-dir). Default: every suite in --results-dir.",
    ),
    results_dir: Path = results_dir_option("Results root a suite file's or name's results are read from."),
    data_dir: Path | None = data_dir_option(),
    json_out: bool = json_option("each suite's cells, totals and estimate"),
) -> None:
    """Show each suite's cells: complete, failed, damaged, missing, tuning, wall time, and what is left."""
    from talosbench.suite import load_suite

    reports = []
    for suite_file, root in suite_files(target, results_dir):
        suite = load_suite(suite_file, data_dir=data_dir)
        reports.append(suite_status(suite, suite_file, root, data_dir))
    if json_out:
        echo_json(reports)
        return
    typer.echo("\n\n".join(_text(report) for report in reports))


def suite_files(target: str | None, results_dir: Path) -> list[tuple[Path, Path]]:
    """(suite file, results root) of every suite ``target`` names: a suite's results folder, a root
    holding several (each suite file read from its ``plan.json``), a suite file or a shipped name."""
    from talosbench.suite import find_suite

    if target is None or Path(target).is_dir():
        folder = results_dir if target is None else Path(target)
        if (folder / "plan.json").is_file():
            return [(_recorded_source(folder), folder.parent)]
        suites = sorted(d for d in folder.iterdir() if (d / "plan.json").is_file()) if folder.is_dir() else []
        if not suites:
            raise typer.BadParameter(
                f"no suite results in {folder}: it holds no suite folder with a plan.json; give a results "
                "folder, or a suite file or name (`talosbench run SUITE` stores its runs)",
                param_hint="RESULTS",
            )
        return [(_recorded_source(d), folder) for d in suites]
    return [(find_suite(target), results_dir)]


def _recorded_source(suite_dir: Path) -> Path:
    """The suite file a suite's results were run from, as its ``plan.json`` records it."""
    from talosbench.results.plan_file import read_plan

    plan = read_plan(suite_dir) or {}
    source = Path(str(plan.get("source") or ""))
    if not source.is_file():
        raise typer.BadParameter(
            f"{suite_dir}/plan.json names the suite file {source}, which is gone; pass the suite file: "
            f"`talosbench status SUITE.toml --results-dir {suite_dir.parent}`",
            param_hint="RESULTS",
        )
    return source


def suite_status(suite: Suite, suite_file: Path, root: Path, data_dir: Path | None) -> dict[str, Any]:
    """One suite's status as plain data (what ``--json`` prints; the table is drawn from it)."""
    from talosbench.bench.estimate import estimate_plan, stored_timings
    from talosbench.runner import count_cells

    damaged: list[str] = []
    counts = count_cells(
        suite, root, on_damaged=lambda job, error: damaged.append(f"{error.directory}: {error.problem}")
    )
    wall: dict[tuple[str, ...], float] = defaultdict(float)
    for timing in stored_timings(root, suite.name):
        wall[timing.cell] += timing.seconds
    cells = [_cell(count, wall) for count in counts]
    estimate = estimate_plan([c.status for c in counts], data_dir=data_dir, results_dir=root)
    totals = {k: sum(c[k] for c in cells) for k in ("runs", "complete", "failed", "damaged", "missing")}
    return {
        "suite": suite.name,
        "description": suite.description,
        "file": str(suite_file),
        "results": str(root / suite.name),
        "cells": cells,
        "totals": {**totals, "wall_seconds": sum(c["wall_seconds"] for c in cells)},
        "damaged_runs": damaged,
        "left": {
            "runs": sum(c.status.runs - c.status.done for c in counts),
            "seconds": estimate.seconds if estimate.priced else None,
            "low": estimate.low if estimate.priced else None,
            "high": estimate.high if estimate.priced else None,
            "priced_runs": estimate.priced,
            "unpriced_runs": estimate.unpriced,
            "priced_from": estimate.source,
        },
    }


def _cell(count: CellCount, wall: dict[tuple[str, ...], float]) -> dict[str, Any]:
    plan, point = count.status.plan, count.status.point
    cell = plan.cell
    return {
        "dataset": cell.dataset,
        "scenario": cell.scenario,
        "backbone": cell.backbone,
        "loss": cell.loss,
        "runs": count.status.runs,
        "complete": count.complete,
        "failed": count.failed,
        "damaged": count.damaged,
        "missing": count.missing,
        "tuning": (
            {"trials": plan.trial_count, "stored": count.trials_done, "pruned": count.pruned}
            if plan.tuned
            else None
        ),
        "chosen": point.as_dict() if point is not None else None,
        "wall_seconds": wall.get((cell.dataset, cell.scenario, cell.backbone, cell.loss), 0.0),
    }


def _text(report: dict[str, Any]) -> str:
    """A suite's status as a table and the lines under it."""
    from talosbench.cli.progress import duration

    headers = ["dataset", "scenario", "backbone", "loss", "runs", "done", "failed", "damaged", "missing"]
    headers += ["tuning", "time"]
    rows = [
        [
            *(c[k] for k in ("dataset", "scenario", "backbone", "loss", "runs", "complete", "failed")),
            *(c[k] for k in ("damaged", "missing")),
            _tuning(c),
            duration(c["wall_seconds"]) if c["wall_seconds"] else "-",
        ]
        for c in report["cells"]
    ]
    t, left = report["totals"], report["left"]
    lines = [
        f"suite {report['suite']} ({report['file']}), results in {report['results']}",
        fit(rows, headers, flexible=[3]),
        paragraph(
            f"{len(rows)} cells, {t['runs']} runs: {t['complete']} complete, {t['failed']} failed, "
            f"{t['damaged']} damaged, {t['missing']} missing; the stored runs took "
            f"{duration(t['wall_seconds'])} (start-up included, one at a time)"
        ),
    ]
    lines += [f"damaged: {problem} (retrained by `talosbench run`)" for problem in report["damaged_runs"]]
    if t["failed"]:
        lines.append(
            "failed runs stay stored as failed; `talosbench run SUITE --force` trains every run again"
        )
    lines.append(paragraph(_left_text(left)))
    return "\n".join(lines)


def _tuning(cell: dict[str, Any]) -> str:
    """``3/4 trials, lr=0.1`` for a tuned cell (the chosen point once known; ``3/4 trials (1 pruned)`` with a
    pruner), else ``-``."""
    tuning = cell["tuning"]
    if tuning is None:
        return "-"
    chosen = ", ".join(f"{k}={v}" for k, v in (cell["chosen"] or {}).items())
    pruned = f" ({tuning['pruned']} pruned)" if tuning["pruned"] else ""
    return f"{tuning['stored']}/{tuning['trials']} trials{pruned}" + (f", {chosen}" if chosen else "")


def _left_text(left: dict[str, Any]) -> str:
    """What is left to train and about how long it takes, from what the figures come from."""
    from talosbench.cli.progress import duration

    if not left["runs"]:
        return "nothing left to train"
    text = f"left: {left['runs']} run{'s' if left['runs'] != 1 else ''}"
    if left["priced_runs"]:
        spread = f" ({duration(left['low'])}-{duration(left['high'])})"
        spread = spread if duration(left["low"]) != duration(left["high"]) else ""
        text += f", about {duration(left['seconds'])}{spread} one at a time, from {left['priced_from']}"
    if left["unpriced_runs"]:
        text += (
            f"; {left['unpriced_runs']} not priced (nothing of theirs stored, no `talosbench bench` figure "
            "for their dataset, backbone and loss)"
        )
    return text
