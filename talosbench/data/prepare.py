"""Get a dataset ready: fetch or generate its source, read it, preprocess it, write the prepared folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from talosbench.data import store
from talosbench.data.catalog import DatasetEntry
from talosbench.data.download import EventFn, ProgressFn, quiet
from talosbench.data.entries import get_entry, resolve_params
from talosbench.data.errors import DataError
from talosbench.data.imported import SPLIT_PARTS, check_union, prepare_imported
from talosbench.data.prepared import cleanup_on_failure, is_current, prepared_meta, write_prepared
from talosbench.data.preprocess import preprocess as preprocess_frame
from talosbench.data.readers import read_raw
from talosbench.data.source_file import fetch_source, fetch_split_files
from talosbench.data.synthetic import generate

SYNTHETIC_KEYS = ("n_users", "n_items", "n_interactions", "seed")
# ``preprocess`` (the pipeline) is imported as ``preprocess_frame``: ``prepare_dataset``'s overrides
# argument bears its name.


def prepare_dataset(
    name: str,
    *,
    data_dir: Path | None = None,
    preprocess: Mapping[str, Any] | None = None,
    mirror: str | None = None,
    force: bool = False,
    on_event: EventFn | None = None,
    on_progress: ProgressFn | None = None,
    verify_md5: bool = True,
) -> Path:
    """Return the prepared folder of ``name``: fetch/generate, read and preprocess it unless cached
    (``verify_md5=False`` skips the publisher's md5 of a downloaded source file; its sha256 is kept)."""
    event = on_event or quiet
    home = store.data_home(data_dir)
    entry = get_entry(name, home)
    params = resolve_params(entry, preprocess)
    out = store.prepared_dir(home, name, params, entry.preprocess)
    if is_current(out, params) and not force:
        return out
    # Another process (a worker of the same grid) may be preparing it: wait for it, then look again.
    with store.file_lock(store.lock_path(home, name)):
        if is_current(out, params) and not force:
            return out
        return _prepare_locked(entry, home, out, params, mirror, force, event, on_progress, verify_md5)


def prepared_folder(
    name: str, *, data_dir: Path | None = None, preprocess: Mapping[str, Any] | None = None
) -> Path:
    """The prepared folder of ``name`` with ``preprocess`` over its defaults; never fetches or writes.

    Training reads prepared data only, so a dataset that is not prepared yet is a DataError saying
    how to prepare it (``prepare_dataset``, the step before training, is the one that may download).
    """
    home = store.data_home(data_dir)
    entry = get_entry(name, home)
    params = resolve_params(entry, preprocess)
    out = store.prepared_dir(home, name, params, entry.preprocess)
    if is_current(out, params):
        return out
    raise _not_prepared(entry, params, home, home_given=data_dir is not None)


def _not_prepared(
    entry: DatasetEntry, params: Mapping[str, Any], home: Path, *, home_given: bool
) -> DataError:
    """The error for a dataset that is not prepared (with these options), naming what prepares it."""
    name = entry.name
    custom = ", ".join(f"{k}={v}" for k, v in params.items() if entry.preprocess.get(k) != v)
    if custom:
        return DataError(
            f"dataset '{name}' is not prepared with {custom} in {home}; a suite that sets these "
            f"options prepares it (`talosbench run SUITE.toml`), as does "
            f"talosbench.data.prepare_dataset('{name}', preprocess=...)."
        )
    where = f" --data-dir {home}" if home_given else ""
    return DataError(
        f"dataset '{name}' is not prepared in {home}; run `talosbench download {name}{where}` first "
        "(training never downloads)."
    )


def _prepare_locked(
    entry: DatasetEntry,
    home: Path,
    out: Path,
    params: dict[str, Any],
    mirror: str | None,
    force: bool,
    event: EventFn,
    on_progress: ProgressFn | None,
    verify_md5: bool = True,
) -> Path:
    """Fetch/generate, read, preprocess and write ``out``, holding the dataset's lock."""
    name = entry.name
    with cleanup_on_failure(home, store.dataset_dir(home, name)), cleanup_on_failure(home, out):
        source: dict[str, Any] = {"url": None, "sha256": None, "file": None}
        if entry.raw_format == "synthetic":
            event(f"generating {name} ({', '.join(f'{k}={params[k]}' for k in SYNTHETIC_KEYS)})")
            raw = generate(**{k: int(params[k]) for k in SYNTHETIC_KEYS})
        elif entry.split_files:
            return _prepare_split_files(entry, home, out, params, mirror, force, event, on_progress)
        elif entry.raw_format in ("table", "splits"):
            return prepare_imported(entry, home, out, params, event)
        else:
            path, url, sha, md5 = fetch_source(
                entry,
                home,
                mirror=mirror,
                force=force,
                on_event=event,
                on_progress=on_progress,
                verify_md5=verify_md5,
            )
            source = {"url": url, "sha256": sha, "md5": md5, "file": path.name}
            event(f"reading {path.name}")
            raw = read_raw(entry.raw_format, path, entry.member)
        event(f"preprocessing {name}")
        prepared = preprocess_frame(raw, params, name=name)
        out.mkdir(parents=True, exist_ok=True)
        write_prepared(home, out, prepared, prepared_meta(entry, params, prepared, source))
    return out


def _prepare_split_files(
    entry: DatasetEntry,
    home: Path,
    out: Path,
    params: dict[str, Any],
    mirror: str | None,
    force: bool,
    event: EventFn,
    on_progress: ProgressFn | None,
) -> Path:
    """Fetch and check a catalog dataset's ready-made split, then prepare it as an imported one."""
    paths = fetch_split_files(
        entry, home, mirror=mirror, force=force, on_event=event, on_progress=on_progress
    )
    if "train+valid" in paths:
        check_union(paths["train+valid"], [paths["train"], paths["valid"]])
    files = {part: path.name for part, path in paths.items() if part in SPLIT_PARTS}
    source = {
        "url": {f.part: f.url for f in entry.split_files},
        "sha256": {f.part: f.sha256 for f in entry.split_files},
        "file": files,
    }
    with_files = replace(entry, extra={**entry.extra, "files": files})
    return prepare_imported(with_files, home, out, params, event, source)
