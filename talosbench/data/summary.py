"""What the ``datasets`` listing shows of a dataset: catalog fields, statistics once prepared, checksums."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench.data import store
from talosbench.data.catalog import DatasetEntry
from talosbench.data.entries import get_entry, resolve_params
from talosbench.data.prepared import is_current
from talosbench.data.source_file import recorded_sha256


def dataset_summary(
    name: str, data_dir: Path | None = None, preprocess: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Catalog fields of ``name`` plus, when prepared with these overrides, its statistics."""
    home = store.data_home(data_dir)
    entry = get_entry(name, home)
    params = resolve_params(entry, preprocess) if preprocess else entry.preprocess
    out = store.prepared_dir(home, name, params, entry.preprocess)
    meta = store.read_meta(out) if is_current(out, params) else None
    return {"entry": entry, "stats": meta["stats"] if meta else None, "dir": out}


def source_checksums(entry: DatasetEntry, data_dir: Path | None = None) -> dict[str, str | None]:
    """The checksums that vouch for ``entry``'s source file, and where each comes from.

    ``md5`` is the publisher's (pinned in the catalog; ``md5_url`` where it is also served), ``sha256``
    is pinned in the catalog or recorded at the first download (``sha256_origin`` says which), or None.
    """
    recorded = None
    if entry.filename is not None:
        recorded = recorded_sha256(store.raw_dir(store.data_home(data_dir), entry.name) / entry.filename)
    origin = "recorded at the first download" if recorded else None
    if entry.sha256:
        origin = "pinned in the catalog"
    return {
        "md5": entry.md5,
        "md5_url": entry.url + entry.md5_suffix if entry.url and entry.md5_suffix else None,
        "sha256": entry.sha256 or recorded,
        "sha256_origin": origin,
    }
