"""Get a dataset ready: fetch or generate its source, read it, preprocess it, write the prepared folder."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from talosbench import __version__
from talosbench.data import store
from talosbench.data.catalog import CATALOG, DatasetEntry
from talosbench.data.download import fetch, fetch_md5, file_digests, mirror_url, sha256_file
from talosbench.data.errors import DataError, UnknownDatasetError
from talosbench.data.preprocess import (
    FILTER_ORDERS,
    ORDER_KEY,
    Prepared,
    filter_order,
    preprocess,
    remap,
    stats,
)
from talosbench.data.readers import read_any, read_raw, read_table
from talosbench.data.split import SPLIT_OPTIONS
from talosbench.data.synthetic import generate
from talosbench.paths import name_problem

EventFn = Callable[[str], None]
ProgressFn = Callable[[int, "int | None"], None]

FILTER_KEYS = ("min_rating", "k_core", ORDER_KEY)
SYNTHETIC_KEYS = ("n_users", "n_items", "n_interactions", "seed")
SOURCE = "source.json"  # written by import_file: marks an imported dataset
SPLIT_PARTS = ("train", "valid", "test")
# File stems accepted for each part of a ready-made split; the reference's train_data/valid_data win over
# train.txt, which there is the union of train and validation (docs/protocol.md §6.1).
PART_STEMS = {
    "train": ("train_data", "train"),
    "valid": ("valid_data", "valid", "validation", "val"),
    "test": ("test_data", "test"),
}
SPLIT_SUFFIXES = (".txt", ".csv", ".tsv", ".parquet")
# What an import leaves in its folder (besides dot-named temporary files): --force removes only such folders.
IMPORT_LAYOUT = frozenset(
    {"raw", SOURCE, store.META, store.INTERACTIONS, "user_map.parquet", "item_map.parquet", "splits"}
)


def _noop(_: str) -> None:
    return None


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

    Split options (``SPLIT_OPTIONS``, e.g. ``cold``) may ride along in ``overrides``: they are checked
    and left out, since they select a split of the prepared data, not other prepared data.
    """
    params = dict(entry.preprocess)
    valid = set(params) | {ORDER_KEY} if entry.raw_format == "synthetic" else set(FILTER_KEYS)
    if entry.raw_format == "splits":
        valid = set()  # ready-made splits are used unchanged
    for key, value in (overrides or {}).items():
        if key in SPLIT_OPTIONS:  # a split option: checked here, but the prepared data does not depend on it
            if value not in SPLIT_OPTIONS[key]:
                raise DataError(
                    f"split option '{key}' of dataset '{entry.name}' must be one of "
                    f"{', '.join(SPLIT_OPTIONS[key])}, got {value!r}."
                )
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


def _comparable(params: Mapping[str, Any]) -> Any:
    """``params`` as meta.json records them, the implicit default filter order left out."""
    plain = {k: v for k, v in params.items() if not (k == ORDER_KEY and v == FILTER_ORDERS[0])}
    return json.loads(json.dumps(plain, sort_keys=True, default=str))


def is_current(out: Path, params: Mapping[str, Any]) -> bool:
    """True when ``out`` is prepared, and with ``params``.

    A catalog default may change (amazon-beauty's filter order did): the folder of the defaults then
    holds data made with the old ones, which is prepared again rather than trusted.
    """
    if not store.is_prepared(out):
        return False
    try:
        recorded = store.read_meta(out).get("preprocessing")
    except (OSError, ValueError):  # being rewritten by another process right now
        return False
    return recorded is None or _comparable(recorded) == _comparable(params)


@contextmanager
def _cleanup_on_failure(home: Path, path: Path) -> Iterator[None]:
    """Remove ``path`` if it did not exist before and the block fails: a failure leaves nothing behind."""
    existed = path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            store.remove_tree(home, path, ignore_errors=True)
        raise


def _fetch_source(
    entry: DatasetEntry,
    home: Path,
    *,
    mirror: str | None,
    force: bool,
    on_event: EventFn,
    on_progress: ProgressFn | None,
    verify_md5: bool = True,
) -> tuple[Path, str, str, str | None]:
    """Make sure the verified source file is on disk; return (path, url, sha256, md5 checked or None).

    The publisher's md5 (served beside the file, else pinned in the catalog) is checked where there is
    one, unless ``verify_md5`` is off (a copy the user vouches for, e.g. one re-packed from the same
    ratings); the sha256 is checked where one is pinned or was recorded, and recorded at the first
    download.
    """
    assert entry.url is not None and entry.filename is not None
    path = store.raw_dir(home, entry.name) / entry.filename
    sidecar = path.with_name(path.name + ".sha256")
    recorded = sidecar.read_text().split()[0] if sidecar.is_file() else None
    expected = entry.sha256 or recorded
    base = mirror or os.environ.get("TALOSBENCH_MIRROR") or None
    url = mirror_url(entry.url, base)
    if path.is_file() and not force:
        actual, actual_md5 = file_digests(path)
        if expected is not None and actual != expected:
            raise DataError(
                f"{path} does not match its recorded checksum: expected sha256 {expected}, got {actual}. "
                f"The file was changed or damaged: run `talosbench download {entry.name} --force` to fetch "
                "it again (delete the .sha256 file beside it to accept a new upstream version)."
            )
        return path, url, actual, actual_md5 if actual_md5 == entry.md5 else None
    md5, origin = _expected_md5(entry, base, on_event) if verify_md5 else (None, "")
    if not verify_md5 and (entry.md5 or entry.md5_suffix):
        on_event(
            f"the publisher's md5 is not checked (--no-verify-md5): this copy of {entry.filename} may "
            "differ from the publisher's file, and runs on it from runs on the publisher's"
        )
    on_event(f"fetching {entry.name} from {url}")
    actual = fetch(
        url,
        path,
        sha256=expected,
        md5=md5,
        md5_origin=origin,
        name=entry.name,
        on_progress=on_progress,
        on_event=on_event,
    )
    if md5 is not None:
        on_event(f"verified md5 {md5} ({origin})")
    if recorded is None:
        store.atomic_write_bytes(sidecar, f"{actual}  {path.name}\n".encode())
    if md5 is None:  # nothing from the publisher: the sha256 is all that vouches for later reads
        if expected is None:
            on_event(f"recorded sha256 {actual} (no published checksum)")
        else:
            where = "pinned in the catalog" if entry.sha256 else "recorded at the first download"
            on_event(f"verified sha256 {actual} ({where}; no published checksum)")
    return path, url, actual, md5


def _expected_md5(entry: DatasetEntry, base: str | None, on_event: EventFn) -> tuple[str | None, str]:
    """The md5 a download must match, and where it comes from: the publisher's file, else the catalog.

    The file served beside the source (from the same mirror) is read first; a mirror that copies only
    the data leaves the md5 pinned in the catalog. A published value that differs from the pinned one
    means the file changed upstream, which no run should silently train on.
    """
    if entry.md5_suffix is None or entry.url is None:
        return entry.md5, "pinned in the catalog"
    md5_url = mirror_url(entry.url + entry.md5_suffix, base)
    published, reason = fetch_md5(md5_url)
    if published is None:
        if entry.md5 is not None:
            on_event(f"no checksum read from {md5_url} ({reason}); checking the md5 pinned in the catalog")
        else:
            on_event(f"no checksum read from {md5_url} ({reason})")
        return entry.md5, "pinned in the catalog"
    if entry.md5 is not None and published != entry.md5:
        raise DataError(
            f"{md5_url} publishes md5 {published} for {entry.filename}, but the catalog pins {entry.md5}: "
            f"the file changed upstream (or the mirror holds another version), so runs on it would not "
            f"match the catalog's. Point --mirror at a copy of the pinned file, or import yours with "
            f"`talosbench download --file PATH --name my-{entry.name}`."
        )
    pinned = ", as pinned in the catalog" if entry.md5 else ""
    return published, f"published at {md5_url}{pinned}"


def _write_prepared(home: Path, out: Path, prepared: Prepared, meta: dict[str, Any]) -> None:
    """Replace a prepared folder's files; meta.json goes last so a partial write is never trusted."""
    (out / store.META).unlink(missing_ok=True)
    store.remove_tree(home, out / "splits", ignore_errors=True)  # splits of the old data are stale
    store.atomic_write_parquet(out / store.INTERACTIONS, prepared.interactions)
    store.atomic_write_parquet(out / "user_map.parquet", prepared.user_map)
    store.atomic_write_parquet(out / "item_map.parquet", prepared.item_map)
    store.atomic_write_json(out / store.META, meta)


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
    event = on_event or _noop
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
    with _cleanup_on_failure(home, store.dataset_dir(home, name)), _cleanup_on_failure(home, out):
        source: dict[str, Any] = {"url": None, "sha256": None, "file": None}
        if entry.raw_format == "synthetic":
            event(f"generating {name} ({', '.join(f'{k}={params[k]}' for k in SYNTHETIC_KEYS)})")
            raw = generate(**{k: int(params[k]) for k in SYNTHETIC_KEYS})
        elif entry.raw_format in ("table", "splits"):
            return _prepare_imported(entry, home, out, params, event)
        else:
            path, url, sha, md5 = _fetch_source(
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
        prepared = preprocess_frame(raw, params, name)
        out.mkdir(parents=True, exist_ok=True)
        _write_prepared(home, out, prepared, _meta(entry, params, prepared, source))
    return out


def preprocess_frame(raw: pl.DataFrame, params: Mapping[str, Any], name: str) -> Prepared:
    """Run the preprocessing pipeline (kept separate so tests and notebooks can call it on a frame)."""
    return preprocess(raw, params, name=name)


def _meta(
    entry: DatasetEntry,
    params: Mapping[str, Any],
    prepared: Prepared,
    source: dict[str, Any],
    kind: str = "interactions",
) -> dict[str, Any]:
    return {
        "name": entry.name,
        "kind": kind,
        "source": {"description": entry.source, **source},
        "license": entry.license,
        "citation": entry.citation,
        "preprocessing": dict(params),
        "steps": prepared.steps,
        "stats": stats(prepared.interactions),
        "talosbench_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _prepare_imported(
    entry: DatasetEntry, home: Path, out: Path, params: Mapping[str, Any], event: EventFn
) -> Path:
    """Prepare a dataset imported with ``download --file`` from its copy under ``raw/``."""
    info = entry.extra
    raw = store.raw_dir(home, entry.name)
    source = {"url": None, "sha256": info["sha256"], "file": info["original"]}
    out.mkdir(parents=True, exist_ok=True)
    if entry.raw_format == "table":
        event(f"reading {info['files']['data']}")
        frame = read_table(raw / info["files"]["data"])
        prepared = preprocess_frame(frame, params, entry.name)
        _write_prepared(home, out, prepared, _meta(entry, params, prepared, source))
        return out
    parts = []
    for part, fname in info["files"].items():
        event(f"reading {fname}")
        frame = read_any(raw / fname)
        ordered = frame.with_row_index("_row").sort(["timestamp", "_row"], nulls_last=True)
        parts.append(
            ordered.unique(["user", "item"], keep="first", maintain_order=True)
            .drop("_row")
            .with_columns(pl.lit(part).alias("part"))
        )
    joined = pl.concat(parts)
    # A pair in train and in valid/test would leak; keep its earliest part (train < valid < test).
    rank = {p: i for i, p in enumerate(SPLIT_PARTS)}
    joined = joined.with_columns(pl.col("part").replace_strict(rank).alias("_p")).sort("_p")
    deduped = joined.unique(["user", "item"], keep="first", maintain_order=True)
    overlap = joined.height - deduped.height
    interactions, user_map, item_map = remap(deduped.drop("part"))
    part_of = deduped.select("user", "item", "part")
    interactions = (
        remap_pairs(part_of, user_map, item_map)
        .join(interactions, on=["user", "item"], how="left")
        .select("user", "item", "rating", "timestamp", "part")
        .sort(["user", "item"])
    )
    if interactions.filter(pl.col("part") == "train").height == 0:
        raise DataError(
            f"the ready-made split '{entry.name}' has an empty train file; it needs train and test."
        )
    steps = [{"step": "read", **stats(joined)}, {"step": "cross-part duplicates dropped", "rows": overlap}]
    prepared = Prepared(interactions, user_map, item_map, steps)
    _write_prepared(home, out, prepared, _meta(entry, params, prepared, source, kind="splits"))
    return out


def remap_pairs(frame: pl.DataFrame, user_map: pl.DataFrame, item_map: pl.DataFrame) -> pl.DataFrame:
    """Replace original user/item strings in ``frame`` with their contiguous ids."""
    return (
        frame.join(user_map.rename({"original": "user", "id": "_u"}), on="user")
        .join(item_map.rename({"original": "item", "id": "_i"}), on="item")
        .drop("user", "item")
        .rename({"_u": "user", "_i": "item"})
    )


def _find_part(folder: Path, part: str) -> Path | None:
    for stem in PART_STEMS[part]:
        for suffix in SPLIT_SUFFIXES:
            if (folder / (stem + suffix)).is_file():
                return folder / (stem + suffix)
    return None


def _is_import_folder(folder: Path) -> bool:
    """True when ``folder`` holds only what an import writes (say, one an interrupted import left)."""
    names = [p.name for p in folder.iterdir()] if folder.is_dir() and not folder.is_symlink() else [""]
    return all(n in IMPORT_LAYOUT or n.startswith((".", "prep-")) for n in names)


def import_file(
    path: Path,
    name: str,
    *,
    data_dir: Path | None = None,
    force: bool = False,
    on_event: EventFn | None = None,
) -> Path:
    """Import a CSV/TSV/Parquet file, or a folder of ready-made splits, as dataset ``name``; prepare it."""
    event = on_event or _noop
    path = Path(path).expanduser()
    home = store.data_home(data_dir)
    folder = store.dataset_dir(home, name)  # checks the name before anything is read or written
    if name in CATALOG:
        raise DataError(f"'{name}' is a catalog dataset; choose another --name for your own data.")
    if not path.exists():
        raise DataError(f"--file {path} does not exist; give a CSV/TSV/Parquet file or a folder of splits.")
    if path.is_dir():
        files = {p: _find_part(path, p) for p in SPLIT_PARTS}
        if files["train"] is None or files["test"] is None:
            raise DataError(
                f"{path} is not a folder of ready-made splits: it needs a train and a test file "
                f"({', '.join(s + '.txt|.csv|.tsv|.parquet' for s in ('train', 'test'))}; optional valid)."
            )
        chosen = {p: f for p, f in files.items() if f is not None}
        kind = "splits"
    else:
        if path.suffix not in (".csv", ".tsv", ".parquet", ".txt"):
            raise DataError(f"--file {path}: expected a .csv, .tsv or .parquet file, or a folder of splits.")
        chosen, kind = {"data": path}, "table"
    digest = "+".join(sha256_file(f) for f in chosen.values())
    source = folder / SOURCE
    if source.is_file():
        old = json.loads(source.read_text())
        if old["sha256"] == digest and not force:
            event(f"{name} already imported from the same file(s); reusing it")
            return prepare_dataset(name, data_dir=home, on_event=on_event)
        if not force:
            raise DataError(
                f"a dataset named '{name}' was already imported from {old['original']}; pass --force to "
                "replace it, or choose another --name."
            )
    elif folder.exists() and not _is_import_folder(folder):
        raise DataError(
            f"{folder} already exists and holds files talosbench did not write; choose another --name, "
            "or move that folder out of the data home."
        )
    store.remove_tree(home, folder)  # an old import being replaced (--force) or one left half-done
    with _cleanup_on_failure(home, folder):
        raw = store.raw_dir(home, name)
        raw.mkdir(parents=True, exist_ok=True)
        for part, f in chosen.items():
            event(f"copying {f} ({part})")
            shutil.copyfile(f, raw / f.name)
        info = {
            "kind": kind,
            "original": str(path.resolve()),
            "sha256": digest,
            "files": {p: f.name for p, f in chosen.items()},
        }
        store.atomic_write_json(source, info)
        # a failure from here on removes the whole folder, source.json included
        return prepare_dataset(name, data_dir=home, force=True, on_event=on_event)


def source_checksums(entry: DatasetEntry, data_dir: Path | None = None) -> dict[str, str | None]:
    """The checksums that vouch for ``entry``'s source file, and where each comes from.

    ``md5`` is the publisher's (pinned in the catalog; ``md5_url`` where it is also served), ``sha256``
    is pinned in the catalog or recorded at the first download (``sha256_origin`` says which), or None.
    """
    recorded = None
    if entry.filename is not None:
        sidecar = store.raw_dir(store.data_home(data_dir), entry.name) / (entry.filename + ".sha256")
        recorded = sidecar.read_text().split()[0] if sidecar.is_file() else None
    origin = "recorded at the first download" if recorded else None
    if entry.sha256:
        origin = "pinned in the catalog"
    return {
        "md5": entry.md5,
        "md5_url": entry.url + entry.md5_suffix if entry.url and entry.md5_suffix else None,
        "sha256": entry.sha256 or recorded,
        "sha256_origin": origin,
    }


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
