"""Which dataset a name means (a catalog entry or one imported with ``download --file``) and its options."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench.data import store
from talosbench.data.catalog import CATALOG, DatasetEntry
from talosbench.data.errors import DamagedImportError, DataError, UnknownDatasetError
from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY, filter_order
from talosbench.data.split import is_split_option, split_option_problem
from talosbench.paths import name_problem

FILTER_KEYS = ("min_rating", "k_core", ORDER_KEY)
SOURCE = "source.json"  # written by import_file: marks an imported dataset
# The files of each kind of import (source.json's "files"): those it needs, then those it may have.
_IMPORT_PARTS = {"table": (("data",), ("data",)), "splits": (("train", "test"), ("train", "valid", "test"))}


def imported_names(home: Path) -> list[str]:
    """Names of datasets imported with ``download --file`` into ``home`` (folders with a plain name)."""
    if not home.is_dir():
        return []
    return sorted(p.parent.name for p in home.glob(f"*/{SOURCE}") if name_problem(p.parent.name) is None)


def get_entry(name: str, home: Path) -> DatasetEntry:
    """The catalog entry of ``name``, or the entry recorded when it was imported."""
    folder = store.dataset_dir(home, name)  # a name that is not one plain folder name is a usage error
    if name in CATALOG:
        return CATALOG.get(name)
    source = folder / SOURCE
    if source.is_file():
        info = read_source(source, name)
        return DatasetEntry(
            name=name,
            source=f"imported from {info['original']}",
            url=None,
            raw_format=info["kind"],
            preprocess={"min_rating": None, "k_core": 0},
            license="(your own data)",
            citation="",
            extra=info,
        )
    choices = CATALOG.names() + imported_names(home)
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise UnknownDatasetError(
        f"unknown dataset '{name}'.{hint} Valid choices: {', '.join(choices)} "
        "(or import your own with `talosbench download --file PATH --name NAME`)."
    )


def read_source(path: Path, name: str) -> dict[str, Any]:
    """The record ``download --file`` left at ``path`` for dataset ``name``; DamagedImportError when it is
    not one (cut short, edited, or naming a file outside the import's ``raw/`` folder)."""
    try:
        info = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DamagedImportError(path, name, f"it does not read ({exc})") from None
    problem = _source_problem(info)
    if problem is not None:
        raise DamagedImportError(path, name, problem)
    return info


def _source_problem(info: Any) -> str | None:
    """What makes ``info`` something no import writes, or None."""
    if not isinstance(info, dict):
        return "it holds no JSON object"
    if not isinstance(info.get("kind"), str) or info["kind"] not in _IMPORT_PARTS:
        return f"its kind is {info.get('kind')!r}, not one of {', '.join(_IMPORT_PARTS)}"
    for key in ("original", "sha256"):
        if not isinstance(info.get(key), str):
            return f"its {key!r} is not a string"
    files, (required, allowed) = info.get("files"), _IMPORT_PARTS[info["kind"]]
    if not isinstance(files, dict) or not set(required) <= set(files) or not set(files) <= set(allowed):
        return f"its 'files' do not name the {' and '.join(required)} file(s) of a {info['kind']} import"
    if any(not isinstance(f, str) or name_problem(f) is not None for f in files.values()):
        return "its 'files' name something other than a file of its raw/ folder"
    if "sep" in info and not (isinstance(info["sep"], str) and len(info["sep"]) == 1):
        return "its 'sep' is not one character"
    columns = info.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in [*columns, *columns.values()]):
        return "its 'columns' is not a mapping of column names"
    return None


def resolve_params(entry: DatasetEntry, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Catalog defaults updated with ``overrides``; unknown keys are an error naming the valid ones.

    Split options (``split.is_split_option``, e.g. ``cold``) may ride along in ``overrides``: they are checked
    and left out, since they select a split of the prepared data, not other prepared data.
    """
    params = dict(entry.preprocess)
    valid = set(params) | {ORDER_KEY} if entry.raw_format == "synthetic" else set(FILTER_KEYS)
    if entry.raw_format == "splits":
        valid = set()  # ready-made splits are used unchanged
    for key, value in (overrides or {}).items():
        if is_split_option(key):  # a split option: checked here, but the prepared data does not depend on it
            problem = split_option_problem(key, value)
            if problem is not None:
                raise DataError(f"split option '{key}' of dataset '{entry.name}' {problem}.")
            continue
        if key not in valid:
            raise DataError(
                f"unknown preprocessing option '{key}' for dataset '{entry.name}'; valid options: "
                f"{', '.join(sorted(valid)) or 'none (ready-made splits are used unchanged)'}."
            )
        if key == ORDER_KEY:
            filter_order({key: value})  # an unknown order is an error here, before anything is prepared
            if key not in entry.preprocess and value == FILTER_ORDERS[0]:
                continue  # the implicit default, spelt out: the same prepared data and folder
        params[key] = value
    return params
