"""Which dataset a name means (a catalog entry or one imported with ``download --file``) and its options."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench.data import store
from talosbench.data.catalog import CATALOG, DatasetEntry
from talosbench.data.errors import DataError, UnknownDatasetError
from talosbench.data.preprocess import FILTER_ORDERS, ORDER_KEY, filter_order
from talosbench.data.split import is_split_option, split_option_problem
from talosbench.paths import name_problem

FILTER_KEYS = ("min_rating", "k_core", ORDER_KEY)
SOURCE = "source.json"  # written by import_file: marks an imported dataset


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
        info = json.loads(source.read_text())
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
