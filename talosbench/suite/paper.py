"""The suite that reproduces one published table's cells on one dataset, with the paper's protocol.

A table names the shipped suite that reproduces it (``paper/tables.toml``, ``suite``). The suite
written here keeps that suite's ``[suite]`` settings (seeds, budget), its ``[train]`` protocol and
its tuning grids, and narrows its grid to the table's cells on one dataset: the table's scenarios,
backbones and loss rows. A loss row the shipped suite does not train takes its table from the first
other table's suite that trains it (Table A.4's SL@K beside the ``iid`` suite, from ``shift``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from talosbench.paper import PaperTable, PublishedValue, paper_tables
from talosbench.suite import components
from talosbench.suite.errors import SuiteError
from talosbench.suite.load import BARE_KEY, SUITE_KEYS
from talosbench.suite.shipped import SUITES_DIR, shipped_suites
from talosbench.suite.template import suite_path, toml_value, write_suite_file
from talosbench.toml import tomllib

UNMEASURED = ("threshold_error", "seconds_per_epoch")
"""Published metrics a run records without an ``[eval]`` entry (thresholded losses, timings)."""
KEPT_SUITE_KEYS = tuple(key for key in SUITE_KEYS if key not in ("name", "description"))
"""The ``[suite]`` settings kept from the table's shipped suite."""


def suite_name(table: PaperTable, dataset: str) -> str:
    """``table-3.1-gowalla``: the name (and file stem) of a table's suite on one dataset."""
    return f"table-{table.id}-{dataset}"


def paper_suite(table: PaperTable, dataset: str | None, folder: Path = SUITES_DIR) -> str:
    """The TOML text of the suite reproducing ``table``'s cells on ``dataset`` (None: its only one)."""
    dataset = _dataset(table, dataset)
    shipped = shipped_suites(folder)
    if table.suite is None or table.suite not in shipped:
        raise SuiteError(f"Table {table.id}: no shipped suite reproduces it, so none can be written")
    base = _read(shipped[table.suite])
    # Other tables' suites lend a loss they tune the paper's way (not quick or movielens, CPU-sized).
    lenders = dict.fromkeys(t.suite for t in paper_tables() if t.suite in shipped and t.suite != table.suite)
    others = [_read(shipped[name]) for name in lenders if name is not None]
    losses = {}
    rows = {(v.label, v.negatives): v for v in reversed(table.values)}  # each row's first value
    for label, negatives in dict.fromkeys((label, negatives) for _, label, negatives in table.rows):
        grid_label, entry = _loss_entry(rows[label, negatives], [base, *others], table.suite)
        losses[grid_label] = entry
    metrics = list(base.get("eval", {}).get("metrics", ()))
    ks = list(base.get("eval", {}).get("ks", ()))
    for value in table.values:
        if value.metric not in UNMEASURED:
            metrics += [value.metric] if value.metric not in metrics else []
            ks += [value.k] if value.k is not None and value.k not in ks else []
    name = suite_name(table, dataset)
    document: dict[str, dict[str, Any]] = {
        "suite": {
            "name": name,
            "description": f"Table {table.id} on {dataset}: {table.caption}",
            **{key: base["suite"][key] for key in KEPT_SUITE_KEYS if key in base.get("suite", {})},
        },
        "train": dict(base.get("train", {})),
        "eval": {"metrics": metrics, "ks": sorted(ks)},
        "grid": {
            "datasets": [dataset],
            "scenarios": table.scenarios,
            "backbones": table.backbones,
            "losses": list(losses),
        },
    }
    backbones = base.get("backbones", {})
    document |= {f"backbones.{_key(b)}": backbones[b] for b in table.backbones if b in backbones}
    document |= {f"losses.{_key(label)}": entry for label, entry in losses.items()}
    head = (
        f"{name}.toml: the cells of the paper's Table {table.id} ({table.caption}) on {dataset}, "
        f"written by `talosbench paper {table.id} --suite --dataset {dataset}`. The protocol, seeds "
        f"and tuning grids are those of the shipped suite `{table.suite}` (suites/{table.suite}.toml "
        "says what they are and where they depart from the paper). `talosbench run FILE --dry-run` "
        "prices it; `talosbench report SUITE --vs-paper` sets its results beside the paper's."
    )
    lines = textwrap.wrap(head, width=98, initial_indent="# ", subsequent_indent="# ")
    return "\n".join(lines + [_table(name, values) for name, values in document.items()]) + "\n"


def write_paper_suite(
    table: PaperTable, dataset: str | None, path: Path | None = None, *, force: bool = False
) -> Path:
    """Write ``paper_suite`` to ``path`` (default: NAME.toml here); an existing file needs ``force``."""
    text = paper_suite(table, dataset)
    name = tomllib.loads(text)["suite"]["name"]
    return write_suite_file(suite_path(name, path), text, force=force)


def _dataset(table: PaperTable, dataset: str | None) -> str:
    """The dataset asked for, which the table must print; the table's only one when none is asked."""
    printed = table.datasets
    if dataset is None:
        if len(printed) == 1:
            return printed[0]
        raise SuiteError(
            f"Table {table.id} prints {len(printed)} datasets ({', '.join(printed)}); "
            "choose one with --dataset"
        )
    if dataset not in printed:
        raise SuiteError(f"Table {table.id} prints no dataset '{dataset}'; it prints {', '.join(printed)}")
    return dataset


def _loss_entry(value: PublishedValue, suites: list[dict[str, Any]], shipped: str) -> tuple[str, dict]:
    """The grid label and ``[losses.<label>]`` table that train ``value``'s loss as the paper did."""
    for suite in suites:
        tables = suite.get("losses", {})
        for label in suite.get("grid", {}).get("losses", ()):
            entry = tables.get(label, {})
            if _trains(label, entry, value):
                return label, dict(entry)
    raise SuiteError(
        f"Table {value.table}: no shipped suite trains {value.label} ({value.loss}) as the paper did; "
        f"add it to suites/{shipped}.toml"
    )


def _trains(label: str, entry: dict[str, Any], value: PublishedValue) -> bool:
    """Whether the grid label ``label`` with its table ``entry`` trains ``value``'s loss, K and negatives."""
    loss = entry.get("loss", label)
    if loss != value.loss:
        return False
    if value.loss_k is not None:
        declared = {p.name: p.default for p in components.loss(loss).hparams}
        if entry.get("k", declared.get("k")) != value.loss_k:
            return False
    return entry.get("negatives") in (None, value.negatives or value.trained_negatives)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the shipped suite: {exc}") from None


def _key(name: str) -> str:
    """A TOML key: bare when it can be, else quoted (``"talos@50"``)."""
    return name if BARE_KEY.fullmatch(name) else toml_value(name)


def _table(name: str, values: dict[str, Any]) -> str:
    lines = ["", f"[{name}]"]
    lines += [f"{_key(key)} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines)
