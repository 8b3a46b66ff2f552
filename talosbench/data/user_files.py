"""``download --file``: a user's table or folder of ready-made splits, copied in and prepared."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from talosbench.data import store
from talosbench.data.catalog import CATALOG
from talosbench.data.download import EventFn, quiet, sha256_file
from talosbench.data.entries import SOURCE, read_source
from talosbench.data.errors import DataError
from talosbench.data.imported import SPLIT_PARTS
from talosbench.data.prepare import prepare_dataset
from talosbench.data.prepared import cleanup_on_failure
from talosbench.data.user_table import column_mapping, separator

# File stems accepted for each part of a ready-made split; the reference's train_data/valid_data win over
# train.txt, which there is the union of train and validation (docs/protocol.md §6.1).
PART_STEMS = {
    "train": ("train_data", "train"),
    "valid": ("valid_data", "valid", "validation", "val"),
    "test": ("test_data", "test"),
}
SPLIT_SUFFIXES = (".txt", ".csv", ".tsv", ".inter", ".parquet")
TABLE_SUFFIXES = (".csv", ".tsv", ".inter", ".parquet", ".txt")
# What an import leaves in its folder (besides dot-named temporary files): --force removes only such folders.
IMPORT_LAYOUT = frozenset(
    {"raw", SOURCE, store.META, store.INTERACTIONS, "user_map.parquet", "item_map.parquet", "splits"}
)


def import_file(
    path: Path,
    name: str,
    *,
    data_dir: Path | None = None,
    force: bool = False,
    on_event: EventFn | None = None,
    sep: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Path:
    """Import a CSV/TSV/RecBole ``.inter``/Parquet file, or a folder of ready-made splits, as dataset
    ``name``; prepare it. ``sep`` (one character, or ``tab``) and ``columns`` ({talosbench column: the
    file's column}) say how to read a delimited file when detection and the header's names do not."""
    event = on_event or quiet
    options = {"sep": separator(sep), "columns": column_mapping(columns)}
    options = {key: value for key, value in options.items() if value is not None}
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
        if path.suffix not in TABLE_SUFFIXES:
            raise DataError(
                f"--file {path}: expected a .csv, .tsv or .parquet file, or a folder of splits "
                "(a RecBole atomic file ends in .inter)."
            )
        chosen, kind = {"data": path}, "table"
    digest = "+".join(sha256_file(f) for f in chosen.values())
    source = folder / SOURCE
    if source.is_file() and not force:  # with --force it is replaced below, even when damaged
        old = read_source(source, name)  # a damaged one: the error says to pass --force
        same_options = {k: old.get(k) for k in ("sep", "columns")} == {
            k: options.get(k) for k in ("sep", "columns")
        }
        if old["sha256"] == digest and same_options:
            event(f"{name} already imported from the same file(s); reusing it")
            return prepare_dataset(name, data_dir=home, on_event=on_event)
        again = "" if old["sha256"] != digest else " with other --sep/--columns"
        raise DataError(
            f"a dataset named '{name}' was already imported from {old['original']}{again}; pass --force "
            "to replace it, or choose another --name."
        )
    if not source.is_file() and folder.exists() and not _is_import_folder(folder):
        raise DataError(
            f"{folder} already exists and holds files talosbench did not write; choose another --name, "
            "or move that folder out of the data home."
        )
    store.remove_tree(home, folder)  # an old import being replaced (--force) or one left half-done
    with cleanup_on_failure(home, folder):
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
            **options,  # only when given: an import without them records what it always did
        }
        store.atomic_write_json(source, info)
        # a failure from here on removes the whole folder, source.json included
        return prepare_dataset(name, data_dir=home, force=True, on_event=on_event)


def _find_part(folder: Path, part: str) -> Path | None:
    """The file of one part of a ready-made split in ``folder``, by the first stem and suffix present."""
    for stem in PART_STEMS[part]:
        for suffix in SPLIT_SUFFIXES:
            if (folder / (stem + suffix)).is_file():
                return folder / (stem + suffix)
    return None


def _is_import_folder(folder: Path) -> bool:
    """True when ``folder`` holds only what an import writes (say, one an interrupted import left)."""
    names = [p.name for p in folder.iterdir()] if folder.is_dir() and not folder.is_symlink() else [""]
    return all(n in IMPORT_LAYOUT or n.startswith((".", "prep-")) for n in names)
