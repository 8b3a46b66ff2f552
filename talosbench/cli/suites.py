"""``talosbench suites``: the suites shipped with talosbench, their grid sizes and estimated cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from talosbench.cli.listing import echo_json, fit, paragraph
from talosbench.cli.options import data_dir_option, json_option


def suites(
    json_output: bool = json_option("one object per suite"),
    data_dir: Path | None = data_dir_option(),
) -> None:
    """List the shipped suites (`talosbench run NAME` runs one): grid size and estimated time."""
    from talosbench.suite import shipped_suites

    summaries = [suite_summary(name, path, data_dir) for name, path in shipped_suites().items()]
    if json_output:
        echo_json(summaries)
        return
    typer.echo(_table(summaries))
    note = (
        "runs: trainings in all, tuning trials included. estimate: about how long the runs take one at a "
        "time, start-up and evaluation included, from `talosbench bench` figures of this machine and the "
        "datasets already downloaded. `talosbench run NAME --dry-run` shows a suite's plan, priced from "
        "its stored runs too; `talosbench init NAME` writes a suite to edit."
    )
    typer.echo(paragraph(note), err=True)  # stdout stays the table


def suite_summary(name: str, path: Path, data_dir: Path | None) -> dict[str, Any]:
    """What the listing shows of one suite: its file, grid size and priced training time."""
    from talosbench.bench.estimate import estimate_plan
    from talosbench.runner import CellStatus, build_plan, total_runs
    from talosbench.suite import load_suite

    suite = load_suite(path, data_dir=data_dir)
    plans = build_plan(suite, check_distinct=False)  # a shipped suite: tests check it trains distinct runs
    runs = total_runs(plans)
    # Nothing is complete from the listing's point of view: it prices the whole suite.
    estimate = estimate_plan([CellStatus(plan, plan.runs, 0, None) for plan in plans], data_dir=data_dir)
    return {
        "name": name,
        "description": suite.description,
        "file": str(path),
        "cells": len(plans),
        "runs": runs,
        "tuning_trials": sum(plan.trial_count for plan in plans),
        "estimate": {
            "seconds": estimate.seconds if estimate.priced else None,
            "priced_runs": estimate.priced,
            "unpriced_runs": estimate.unpriced,
        },
    }


def cost_text(estimate: dict[str, Any], runs: int) -> str:
    """``~1m25s``; ``~40s for 12/28 runs`` when only some are priced; ``not priced`` when none is."""
    from talosbench.cli.progress import duration

    if not estimate["priced_runs"]:
        return "not priced"
    bound = f"~{duration(estimate['seconds'])}"  # a central estimate (bench/estimate.py), not a bound
    return bound if not estimate["unpriced_runs"] else f"{bound} for {estimate['priced_runs']}/{runs} runs"


def _table(summaries: list[dict[str, Any]]) -> str:
    """The listing as a table of at most ``WIDTH`` columns, the descriptions wrapped."""
    headers = ["suite", "description", "cells", "runs", "estimate"]
    rows = [
        [s["name"], s["description"], s["cells"], s["runs"], cost_text(s["estimate"], s["runs"])]
        for s in summaries
    ]
    return fit(rows, headers, flexible=[1])
