"""``talosbench suites``: the suites shipped with talosbench, their grid sizes and estimated cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from talosbench.cli.listing import echo_json, fit, paragraph
from talosbench.cli.options import data_dir_option, json_option, results_dir_option


def suites(
    json_output: bool = json_option("one object per suite"),
    data_dir: Path | None = data_dir_option(),
    results_dir: Path | None = results_dir_option(
        "Results root: count each suite's stored runs there and price only what is left (default: none)."
    ),
) -> None:
    """List the shipped suites (`talosbench run NAME` runs one): grid size and estimated time."""
    from talosbench.suite import shipped_suites

    summaries = [suite_summary(name, path, data_dir, results_dir) for name, path in shipped_suites().items()]
    if json_output:
        echo_json(summaries)
        return
    typer.echo(_table(summaries))
    note = (
        "runs: trainings in all, tuning trials included. estimate: about how long the runs take one at a "
        "time, start-up and evaluation included, by the cost model over bench figures of this machine "
        "and each dataset's sizes (the catalog's until it is downloaded). The listing measures nothing: "
        "`not calibrated yet` until the first `talosbench run NAME --dry-run` measures this machine "
        "(seconds, once) or `talosbench bench` does. `talosbench run NAME --dry-run` shows a suite's "
        "plan, priced from its stored runs too; `talosbench init NAME` writes a suite to edit."
    )
    typer.echo(paragraph(note), err=True)  # stdout stays the table


def suite_summary(
    name: str, path: Path, data_dir: Path | None, results_dir: Path | None = None
) -> dict[str, Any]:
    """What the listing shows of one suite: its file, grid size, stored runs and priced training time.

    With ``results_dir`` holding the suite's results, its stored runs count as done and price what is
    left; otherwise the whole suite is priced (from bench figures).
    """
    from talosbench.bench import estimate_plan
    from talosbench.runner import CellStatus, build_plan, describe, total_runs
    from talosbench.suite import load_suite

    suite = load_suite(path, data_dir=data_dir)
    stored = results_dir is not None and (results_dir / suite.name).is_dir()
    if stored:
        assert results_dir is not None
        cells = describe(suite, results_dir)
        plans = [c.plan for c in cells]
    else:  # a shipped suite: tests check that it trains distinct runs
        plans = build_plan(suite, check_distinct=False)
        cells = [CellStatus(plan, plan.runs, 0, None) for plan in plans]
    runs = total_runs(plans)
    estimate = estimate_plan(cells, data_dir=data_dir, results_dir=results_dir if stored else None)
    return {
        "name": name,
        "description": suite.description,
        "file": str(path),
        "cells": len(plans),
        "runs": runs,
        "tuning_trials": sum(plan.trial_count for plan in plans),
        "stored": sum(c.done for c in cells),
        "estimate": {
            "seconds": estimate.seconds if estimate.priced else None,
            "priced_runs": estimate.priced,
            "unpriced_runs": estimate.unpriced,
            "uncalibrated_runs": estimate.uncalibrated,
        },
    }


def cost_text(estimate: dict[str, Any], runs: int) -> str:
    """``~1m25s``; ``~40s for 12/28 runs`` when only some are priced; ``not priced`` when none is
    (``not calibrated yet`` when only this machine's bench figures are lacking)."""
    from talosbench.cli.progress import duration

    if not estimate["priced_runs"]:
        uncalibrated = estimate.get("uncalibrated_runs") == estimate["unpriced_runs"]
        return "not calibrated yet" if uncalibrated else "not priced"
    bound = f"~{duration(estimate['seconds'])}"  # a central estimate (bench/estimate.py), not a bound
    return bound if not estimate["unpriced_runs"] else f"{bound} for {estimate['priced_runs']}/{runs} runs"


def _left(summary: dict[str, Any]) -> str:
    """The price of what is left: ``done`` when every run is stored, ``~40s for 12 left`` when some are."""
    runs, stored = summary["runs"], summary["stored"]
    if stored >= runs:
        return "done (all stored)"
    cost = cost_text(summary["estimate"], runs - stored)
    return cost if not stored else f"{cost} ({runs - stored} left)"


def _table(summaries: list[dict[str, Any]]) -> str:
    """The listing as a table of at most ``WIDTH`` columns, the descriptions wrapped."""
    headers = ["suite", "description", "cells", "runs", "estimate"]
    rows = [[s["name"], s["description"], s["cells"], s["runs"], _left(s)] for s in summaries]
    return fit(rows, headers, flexible=[1])
