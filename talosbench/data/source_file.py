"""A catalog dataset's source file: fetched once, checked against the publisher's md5 and a sha256."""

from __future__ import annotations

import os
from pathlib import Path

from talosbench.data import store
from talosbench.data.catalog import DatasetEntry
from talosbench.data.download import EventFn, ProgressFn, fetch, fetch_md5, file_digests, mirror_url
from talosbench.data.errors import DataError


def recorded_sha256(path: Path) -> str | None:
    """The sha256 recorded beside a source file at its first download (``<file>.sha256``), else None."""
    sidecar = path.with_name(path.name + ".sha256")
    return sidecar.read_text().split()[0] if sidecar.is_file() else None


def fetch_source(
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
    recorded = recorded_sha256(path)
    expected = entry.sha256 or recorded
    base = _mirror(mirror)
    url = mirror_url(entry.url, base)
    if path.is_file() and not force:
        actual, actual_md5 = _stored_digests(path, expected, entry.name)
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


def fetch_split_files(
    entry: DatasetEntry,
    home: Path,
    *,
    mirror: str | None,
    force: bool,
    on_event: EventFn,
    on_progress: ProgressFn | None,
) -> dict[str, Path]:
    """Make sure every file of ``entry``'s ready-made split is on disk and matches its pinned sha256.

    Returns each part's file (``train``, ``valid``, ``test``, ``train+valid``). A file already there is
    checked again; one that differs is refused, as is a download that differs (and then deleted).
    """
    base = _mirror(mirror)
    raw = store.raw_dir(home, entry.name)
    paths = {}
    for split_file in entry.split_files:
        path = raw / split_file.filename
        if path.is_file() and not force:
            _stored_digests(path, split_file.sha256, entry.name, pinned=True)
        else:
            url = mirror_url(split_file.url, base)
            on_event(f"fetching {entry.name} {split_file.part} from {url}")
            fetch(url, path, sha256=split_file.sha256, name=entry.name, on_progress=on_progress)
            on_event(f"verified sha256 {split_file.sha256} of {split_file.filename} (pinned in the catalog)")
        paths[split_file.part] = path
    return paths


def _mirror(mirror: str | None) -> str | None:
    """The base URL replacing every source's: ``--mirror``, else ``$TALOSBENCH_MIRROR``, else none."""
    return mirror or os.environ.get("TALOSBENCH_MIRROR") or None


def _stored_digests(path: Path, expected: str | None, name: str, pinned: bool = False) -> tuple[str, str]:
    """The sha256 and md5 of a source file already on disk, refused when it is not the ``expected`` one
    (``pinned``: the catalog pins it, so no sidecar file can accept another version)."""
    actual, actual_md5 = file_digests(path)
    if expected is not None and actual != expected:
        accept = "" if pinned else " (delete the .sha256 file beside it to accept a new upstream version)"
        raise DataError(
            f"{path} does not match its recorded checksum: expected sha256 {expected}, got {actual}. "
            f"The file was changed or damaged: run `talosbench download {name} --force` to fetch "
            f"it again{accept}."
        )
    return actual, actual_md5


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
