"""Which stored runs a report covers: those of the suite as it is now, never damaged ones.

Each kind of run left out gets one note; the CLI prints the notes to stderr and the markdown, LaTeX
and HTML reports carry them below their tables.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from talosbench.report.table import CELL, Planned, ReportError
from talosbench.results import (
    RESULT_FILE,
    DamagedRunError,
    ResultsError,
    collect,
    read_plan,
    source_digest,
)


@dataclass(frozen=True)
class _Plan:
    """The run ids of a suite's current plan (None: unknown, results of an older version) and its file."""

    runs: frozenset[str] | None
    source: str | None
    cells: tuple[tuple[str, ...], ...] | None = None
    """Every cell the plan trains (None: a plan recorded by an older version, or none)."""
    seeds: tuple[int, ...] = ()


class Scope(NamedTuple):
    """What a report covers: the runs, a note per kind of stored run left out, each suite's plan."""

    frame: pl.DataFrame
    notes: list[str]
    planned: dict[str, Planned]
    """By suite folder name, what its plan asks of its final runs; a suite without a recorded plan
    (``talosbench train``'s, or results of older versions) has none, and its tables expect the seeds seen."""


def gather(source: Path, suite_file: Path | None = None) -> Scope:
    """The runs a report of ``source`` covers, a note per kind of stored run it left out, the plans.

    ``suite_file`` is the suite TOML the report was asked for (its results are ``source``): when
    it differs from the suite the last ``run`` recorded, its own plan decides which runs count.
    """
    notes: list[str] = []
    plans: dict[Path, _Plan | None] = {}  # None: a suite whose record does not read, left out
    left_out: Counter[Path] = Counter()

    def keep(directory: Path) -> bool:
        suite_dir = directory.parent
        if suite_dir not in plans:
            plans[suite_dir] = _plan_or_note(suite_dir, Path(source), suite_file, notes)
        plan = plans[suite_dir]
        if plan is None:
            return False
        if plan.runs is None or directory.name in plan.runs:
            return True
        left_out[suite_dir] += 1
        return False

    def damaged(error: DamagedRunError) -> None:
        notes.append(
            f"skipped damaged run {error.directory}: {error.problem}; "
            f"{_redo(plans[error.directory.parent].source)}"  # type: ignore[union-attr]
        )

    frame = collect(source, keep=keep, on_damaged=damaged)
    for suite_dir, count in left_out.items():
        runs = "run" if count == 1 else "runs"
        notes.append(
            f"{count} stored {runs} left out: not in the current plan of suite {suite_dir.name} "
            "(edited since they ran)"
        )
    return Scope(frame, notes + _mixed_settings(frame), _planned(plans))


def _planned(plans: dict[Path, _Plan | None]) -> dict[str, Planned]:
    from talosbench.runner.lock import suite_running

    return {
        folder.name: Planned(plan.cells, plan.seeds, suite_running(folder))
        for folder, plan in plans.items()
        if plan is not None and plan.cells is not None
    }


def _plan_or_note(suite_dir: Path, source: Path, suite_file: Path | None, notes: list[str]) -> _Plan | None:
    """The suite's current plan; in a results root, a suite whose record does not read gets a note
    instead, so that one damaged or hand-edited suite never stops the report of the others."""
    if suite_dir == source:
        return _current_plan(suite_dir, suite_file)
    try:
        return _current_plan(suite_dir, None)
    except ResultsError as error:
        notes.append(f"suite {suite_dir.name} left out of the report: {error}")
        return None


def _current_plan(suite_dir: Path, suite_file: Path | None) -> _Plan:
    recorded = read_plan(suite_dir)
    if suite_file is not None and (recorded or {}).get("source_sha256") != source_digest(suite_file):
        # The suite file changed since its last run (or that run recorded no plan): its plan now.
        return _plan_of(suite_file, suite_dir.parent)
    if recorded is None:
        return _Plan(None, None)
    cells = recorded.get("cells")
    return _Plan(
        frozenset(recorded["runs"]),
        recorded.get("source"),
        tuple(tuple(cell[key] for key in CELL) for cell in cells) if cells is not None else None,
        tuple(recorded.get("seeds", ())),
    )


def by_suite(frame: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The runs of each suite folder apart, by its name: two suites may hold the same cell, never pooled.

    Keyed by folder, not by the name a result records, so runs stored in two folders never mix.
    """
    folders = frame.select(pl.col("path").map_elements(lambda p: Path(p).parent.name, pl.String).alias("at"))
    tagged = frame.with_columns(folders["at"])
    return [
        (str(name), _without_empty_metrics(tagged.filter(pl.col("at") == name).drop("at")))
        for name in sorted(tagged["at"].unique())
    ]


def _without_empty_metrics(runs: pl.DataFrame) -> pl.DataFrame:
    """Drop metric columns no run of this part has (another suite's cut-offs)."""
    empty = [
        name
        for name in runs.columns
        if name.startswith(("test_", "valid_")) and runs[name].null_count() == runs.height
    ]
    return runs.drop(empty) if runs.height else runs


def suite_metrics(runs: pl.DataFrame, source: Path, suite_file: Path | None = None) -> list[str]:
    """The test metrics one suite's ``[eval]`` asks for (families at its ks), in the frame's order.

    The record of its last ``run`` (plan.json) says; for results of older versions, the suite file
    that record names, while its content is unchanged; ``suite_file`` (given for ``source``) wins
    when it changed since. Empty when unknown: the report then shows every metric.
    """
    suite_dir = Path(runs["path"][0]).parent if runs.height else Path(source)
    asked = _evaluation(suite_dir, suite_file if suite_dir == Path(source) else None)
    if asked is None:
        return []
    families, ks = set(asked["metrics"]), {str(k) for k in asked["ks"]}
    found = [name.removeprefix("test_") for name in runs.columns if name.startswith("test_")]
    return [m for m in found if m.partition("@")[0] in families and m.partition("@")[2] in ks]


def _evaluation(suite_dir: Path, suite_file: Path | None) -> dict[str, list[Any]] | None:
    recorded = read_plan(suite_dir) or {}
    digest = recorded.get("source_sha256")
    if suite_file is not None and digest != source_digest(suite_file):
        return _evaluation_of(suite_file)
    if isinstance(recorded.get("eval"), dict):
        return recorded["eval"]
    source = recorded.get("source")
    if source and digest is not None and source_digest(source) == digest:
        return _evaluation_of(Path(source))
    return None


def _evaluation_of(suite_file: Path) -> dict[str, list[Any]] | None:
    """A suite file's ``[eval]``; None when it no longer loads (the report then shows every metric)."""
    from talosbench.suite import SuiteError, load_suite

    try:
        evaluation = load_suite(suite_file).eval
    except SuiteError:
        return None
    return {"metrics": list(evaluation.metrics), "ks": list(evaluation.ks)}


def _plan_of(suite_file: Path, results_dir: Path) -> _Plan:
    """The plan a suite file expands to against ``results_dir`` (loading it imports the registries)."""
    from talosbench.runner import current_runs
    from talosbench.suite import SuiteError, cells, load_suite

    try:
        suite = load_suite(suite_file)
        runs = current_runs(suite, results_dir)
    except SuiteError as error:
        raise ReportError(str(error)) from None
    planned = tuple(tuple(cell.key()[key] for key in CELL) for cell in cells(suite))
    return _Plan(frozenset(runs), str(suite_file), planned, suite.seeds)


def _redo(source: str | None) -> str:
    """How to redo a damaged run: ``talosbench run`` with the suite file when it is known (and a file).

    A folder without a recorded plan may hold runs of ``talosbench train`` too: that command redoes those.
    """
    if source is None:
        return "rerun `talosbench run SUITE.toml` (or the `talosbench train` that stored it) to redo it"
    return f"rerun `talosbench run {source if Path(source).is_file() else 'SUITE.toml'}` to redo it"


def _mixed_settings(frame: pl.DataFrame) -> list[str]:
    """A note per cell whose final runs differ in configuration (results without a recorded plan)."""
    notes = []
    final = frame.filter(pl.col("role") == "final", pl.col("setting").is_not_null())
    for key, group in final.group_by(["suite", *CELL], maintain_order=True):
        settings = [json.loads(text) for text in group["setting"].unique(maintain_order=True).to_list()]
        if len(settings) < 2:
            continue
        differ = [
            f"{name} {' / '.join(sorted({json.dumps(s.get(name)) for s in settings}))}"
            for name in sorted(settings[0])
            if any(s.get(name) != settings[0][name] for s in settings[1:])
        ]
        notes.append(
            f"{'/'.join(map(str, key[1:]))} in suite {key[0]}: its {group.height} final runs were trained "
            f"with different settings ({'; '.join(differ)}), so runs of an edited suite are mixed; rerun "
            "`talosbench run SUITE.toml` to record the suite's current plan, which the report then keeps to "
            "(runs of `talosbench train`: store each setting under its own --name)"
        )
    return notes


def suite_file(argument: str | None) -> Path | None:
    """The suite TOML that a ``resolve_source`` argument names, if it names one."""
    path = Path(argument) if argument is not None else None
    return path if path is not None and path.suffix == ".toml" and path.is_file() else None


def resolve_source(argument: str | None, runs_dir: Path = Path("runs")) -> Path:
    """A directory, a suite name under ``runs_dir``, a suite TOML file, or (None) the newest suite."""
    if argument is None:
        suites = [d for d in runs_dir.iterdir() if d.is_dir()] if runs_dir.is_dir() else []
        suites = [d for d in suites if any(d.glob(f"*/{RESULT_FILE}"))]
        if not suites:
            raise ReportError(
                f"no suite results in {runs_dir}/; pass a results directory "
                "or run `talosbench run SUITE.toml` first"
            )
        return max(suites, key=lambda d: d.stat().st_mtime)
    path = Path(argument)
    if path.is_dir():
        return path
    if path.suffix == ".toml" and path.is_file():
        path = runs_dir / _suite_name(path)
    elif (runs_dir / argument).is_dir():
        path = runs_dir / argument
    if not path.is_dir():
        known = sorted(d.name for d in runs_dir.iterdir() if d.is_dir()) if runs_dir.is_dir() else []
        raise ReportError(
            f"no results at '{argument}': not a directory nor a suite in {runs_dir}/ "
            f"(suites there: {', '.join(known) or 'none'})"
        )
    return path


def _suite_name(suite_file: Path) -> str:
    """The ``[suite] name`` of a suite file (its stem when it has none): the folder of its results."""
    from talosbench.paths import UnsafePathError, check_name
    from talosbench.suite import SuiteError, read_suite_file

    try:
        table = read_suite_file(suite_file).get("suite", {})
    except SuiteError as error:
        raise ReportError(str(error)) from None
    name = table.get("name", suite_file.stem) if isinstance(table, dict) else suite_file.stem
    try:
        return check_name(str(name), "suite name")
    except UnsafePathError as error:
        raise ReportError(f"{suite_file}: [suite] name: {error}") from None
