"""A suite's plan file, ``<suite>/plan.json``: the runs the suite expanded to at its last ``run``.

Its report leaves stored runs of an edited suite out; the file's ``source_sha256`` tells a report given
the suite file whether the record is still that file's plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from talosbench.data import store
from talosbench.results.errors import ResultsError
from talosbench.results.layout import PLAN_FILE
from talosbench.results.strict_json import json_bytes

CELL_KEYS = ("dataset", "scenario", "backbone", "loss")
"""What names a cell in ``plan.json``'s ``cells``."""


def write_plan(
    suite_dir: Path,
    runs: Iterable[str],
    source: str | Path,
    evaluation: Mapping[str, Sequence[str | int]] | None = None,
    cells: Sequence[Mapping[str, str]] | None = None,
    seeds: Sequence[int] | None = None,
) -> None:
    """Record the run ids a suite expands to now; its report leaves every other stored run out.

    ``source`` is the suite file; its content hash tells a report given that file whether the
    record is still its plan. ``evaluation`` is the suite's ``[eval]`` (``metrics`` and ``ks``):
    the metrics its report shows. ``cells`` (each a dataset, scenario, backbone and loss) and
    ``seeds`` are every cell the suite trains and its reported seeds: what its report expects,
    even of a cell whose final runs are not known yet (its tuning unfinished).
    """
    suite_dir = Path(suite_dir)
    suite_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "suite": suite_dir.name,
        "source": str(source),
        "source_sha256": source_digest(source),
        "runs": list(runs),
    }
    if evaluation is not None:
        data["eval"] = {key: list(values) for key, values in evaluation.items()}
    if cells is not None and seeds is not None:
        data["cells"] = [{key: cell[key] for key in CELL_KEYS} for cell in cells]
        data["seeds"] = list(seeds)
    store.atomic_write_bytes(suite_dir / PLAN_FILE, json_bytes(data))


def read_plan(suite_dir: Path) -> dict[str, Any] | None:
    """What ``write_plan`` recorded for a suite directory; None in results of older versions."""
    path = Path(suite_dir) / PLAN_FILE
    if not path.exists():
        return None
    again = "rerun `talosbench run SUITE.toml` to record the suite's plan again"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path} cannot be read ({error}); {again}") from None
    if not isinstance(data, dict) or not _strings(data.get("runs")):
        raise ResultsError(f"{path} holds no list of runs; {again}")
    problem = _problem(data)
    if problem is not None:
        raise ResultsError(f"{path} {problem}; {again}")
    return data


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _problem(data: Mapping[str, Any]) -> str | None:
    """What in a plan no ``write_plan`` writes (a hand edit): its readers trust the rest."""
    for key in ("source", "source_sha256"):
        if not isinstance(data.get(key), str | None):
            return f"holds a {key} that is no text"
    if ("cells" in data or "seeds" in data) and not _cells_and_seeds(data):
        return "holds no list of planned cells and seeds"
    evaluation = data.get("eval")
    if evaluation is None:
        return None
    ks = evaluation.get("ks") if isinstance(evaluation, dict) else None
    if (
        not isinstance(evaluation, dict)
        or not _strings(evaluation.get("metrics"))
        or not isinstance(ks, list)
    ):
        return "holds no [eval] metrics and ks"
    if not all(isinstance(k, int) and not isinstance(k, bool) for k in ks):
        return "holds no [eval] metrics and ks"
    return None


def _cells_and_seeds(data: Mapping[str, Any]) -> bool:
    cells, seeds = data.get("cells"), data.get("seeds")
    return (
        isinstance(cells, list)
        and all(isinstance(c, dict) and all(isinstance(c.get(k), str) for k in CELL_KEYS) for c in cells)
        and isinstance(seeds, list)
        and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
    )


def source_digest(path: str | Path) -> str | None:
    """SHA-256 of a suite file's bytes; None when it is not a readable file (a suite built in code)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
