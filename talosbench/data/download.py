"""Fetch one file: stream to ``.part``, resume with HTTP Range, retry transient errors, verify, rename."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from talosbench import __version__
from talosbench.data.errors import DataError

ProgressFn = Callable[[int, "int | None"], None]
EventFn = Callable[[str], None]

CHUNK = 1 << 16
# Statuses worth retrying: the server or a proxy is briefly unavailable or rate-limiting us.
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def quiet(_: str) -> None:
    """An ``EventFn`` that shows nothing: what a caller that passes none gets."""


def mirror_url(url: str, mirror: str | None) -> str:
    """Replace everything before the file name in ``url`` with ``mirror`` (http(s):// or file://)."""
    if not mirror:
        return url
    return mirror.rstrip("/") + "/" + url.rsplit("/", 1)[-1]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    return file_digests(path)[0]


def file_digests(path: Path) -> tuple[str, str]:
    """Hex sha256 and md5 of a file, in one streamed pass (publishers such as GroupLens give md5)."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
            md5.update(block)
    return sha.hexdigest(), md5.hexdigest()


MD5_LINE = re.compile(r"(?<![0-9a-fA-F])([0-9a-fA-F]{32})(?![0-9a-fA-F])")
"""The one 32-hex-digit token of a checksum file: ``MD5 (f.zip) = <hex>`` (BSD) or ``<hex>  f.zip`` (GNU)."""


def parse_md5(text: str) -> str | None:
    """The md5 a published checksum file states, or None when it states none (or several)."""
    found = {m.lower() for m in MD5_LINE.findall(text)}
    return found.pop() if len(found) == 1 else None


def fetch_md5(url: str, *, timeout: float = 30.0) -> tuple[str | None, str]:
    """The md5 published at ``url`` (a small ``<file>.md5``), with what happened in words.

    Returns ``(None, reason)`` when the file is absent, unreachable or unreadable: a mirror may copy
    only the data file, and the download then falls back to the checksum the catalog pins or records.
    """
    req = urllib.request.Request(url, headers={"User-Agent": f"talosbench/{__version__}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return None, f"HTTP {err.code} {err.reason}"
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
        return None, str(getattr(err, "reason", err))
    md5 = parse_md5(text)
    return md5, "published" if md5 else "no md5 in it"


def _alternatives(name: str | None) -> str:
    ref = f"my-{name}" if name else "NAME"
    return (
        "Retry later, point --mirror (or $TALOSBENCH_MIRROR) at a copy of the file, "
        f"or import a local copy with `talosbench download --file PATH --name {ref}`."
    )


class _Transient(Exception):
    """A failure worth retrying (connection cut, timeout, 5xx)."""


def _stream(url: str, part: Path, timeout: float, on_progress: ProgressFn | None) -> None:
    """One attempt: append to ``part`` from its current size; raise _Transient on retryable failures."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": f"talosbench/{__version__}"}
    ranged = offset > 0 and url.startswith(("http://", "https://"))
    if ranged:
        headers["Range"] = f"bytes={offset}-"
    elif offset:
        part.unlink()  # file:// and friends cannot resume: start over
        offset = 0
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and ranged:  # our .part is bogus (longer than the file): start over
            part.unlink()
            raise _Transient(f"HTTP 416 for a resumed download of {url}") from err
        if err.code in TRANSIENT_STATUS:
            raise _Transient(f"HTTP {err.code} {err.reason}") from err
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", err)
        if isinstance(err, urllib.error.URLError) and isinstance(reason, FileNotFoundError):
            raise
        raise _Transient(str(reason)) from err
    with resp:
        status = getattr(resp, "status", None) or 200
        if ranged and status != 206:
            offset = 0  # the server ignored Range: take the whole body
        length = resp.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        done = offset
        mode = "ab" if offset else "wb"
        try:
            with part.open(mode) as fh:
                while True:
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    fh.write(block)
                    done += len(block)
                    if on_progress:
                        on_progress(done, total)
        except (OSError, http.client.HTTPException) as err:
            raise _Transient(f"connection lost after {done} bytes: {err!r}") from err
        if total is not None and done < total:
            raise _Transient(f"connection closed after {done} of {total} bytes")


def fetch(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    md5_origin: str = "published",
    name: str | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: float = 30.0,
    on_progress: ProgressFn | None = None,
    on_event: EventFn | None = None,
) -> str:
    """Download ``url`` to ``dest`` atomically and return its sha256; raise DataError on any failure.

    The body streams to ``dest.part``; a cut connection is resumed with a Range request after an
    exponential backoff. ``dest`` appears only once the whole file is there and matches ``sha256``
    and ``md5`` (when given; ``md5_origin`` says where that value comes from, for the error). After a
    reported failure the ``.part`` file is removed; a killed process leaves it for the next call to
    resume, and nothing trusts it before the checksum step.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if part.exists() and on_event:
        on_event(f"resuming {dest.name} from byte {part.stat().st_size}")
    attempt = 0
    while True:
        try:
            _stream(url, part, timeout, on_progress)
            break
        except _Transient as err:
            attempt += 1
            if attempt > retries:
                part.unlink(missing_ok=True)
                raise DataError(
                    f"Could not download {url}: {err} (gave up after {retries} retries). "
                    f"{_alternatives(name)}"
                ) from err
            wait = backoff * 2 ** (attempt - 1)
            if on_event:
                on_event(f"transient error ({err}); retry {attempt}/{retries} in {wait:.1f}s")
            time.sleep(wait)
        except urllib.error.HTTPError as err:
            part.unlink(missing_ok=True)
            raise DataError(
                f"Could not download {url}: HTTP {err.code} {err.reason}. {_alternatives(name)}"
            ) from err
        except (urllib.error.URLError, OSError) as err:
            part.unlink(missing_ok=True)
            reason = getattr(err, "reason", err)
            raise DataError(f"Could not download {url}: {reason}. {_alternatives(name)}") from err
    actual, actual_md5 = file_digests(part)
    if md5 is not None and actual_md5 != md5.lower():
        part.unlink(missing_ok=True)
        raise DataError(
            f"Checksum mismatch for {url}: expected md5 {md5} ({md5_origin}), got {actual_md5}; the file "
            f"was deleted. The source or mirror serves a different file than the publisher's. "
            f"{_alternatives(name)}"
        )
    if sha256 is not None and actual != sha256.lower():
        part.unlink(missing_ok=True)
        raise DataError(
            f"Checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; the file was deleted. "
            f"The source or mirror serves a different file than the one recorded. {_alternatives(name)}"
        )
    os.replace(part, dest)
    return actual
