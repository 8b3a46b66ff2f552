"""Fixtures: the shared MovieLens-100K file, zips built from it, and a loopback HTTP mirror."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.catalog import CATALOG

U_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "movielens-100k" / "u.data"


@pytest.fixture(scope="session")
def u_data() -> bytes:
    """The real u.data bytes; tests needing it skip where ../shared is absent."""
    if not U_DATA.is_file():
        pytest.skip(f"{U_DATA} is absent (the shared MovieLens copy lives beside the repository)")
    return U_DATA.read_bytes()


def make_zip(u_data: bytes) -> bytes:
    """ml-100k.zip exactly as GroupLens serves it: the ratings file at ml-100k/u.data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml-100k/u.data", u_data)
    return buf.getvalue()


@pytest.fixture(scope="session")
def ml_zip(u_data: bytes) -> bytes:
    return make_zip(u_data)


@pytest.fixture(autouse=True)
def unpinned_movielens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loopback mirror serves a zip built here, not GroupLens' bytes: its md5 cannot be the pinned one.

    A test of the pinned checksum pins the md5 of the zip it serves instead (``pin_md5``).
    """
    pin_md5(monkeypatch, None)


def pin_md5(monkeypatch: pytest.MonkeyPatch, md5: str | None) -> None:
    """Make the catalog's movielens-100k entry pin ``md5`` (None: no pinned md5) for one test."""
    entry = replace(CATALOG.get("movielens-100k"), md5=md5)
    monkeypatch.setitem(CATALOG._items, "movielens-100k", entry)


@dataclass
class Mirror:
    """Files served by the loopback server, the requests it saw, and fault injection."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    cut_next: int = 0  # serve only half the body this many times, then close the connection
    url: str = ""


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    state = Mirror()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({"path": self.path, "range": self.headers.get("Range", "")})
            body = state.files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            chunk = body[start:]
            self.send_header("Content-Length", str(len(chunk)))
            self.end_headers()
            if state.cut_next:
                state.cut_next -= 1
                self.wfile.write(chunk[: len(chunk) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(chunk)

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def download(home: Path, mirror: Mirror, *extra: str) -> tuple[int, str]:
    """``talosbench download movielens-100k`` from the loopback mirror into ``home``: exit code and output."""
    result = CliRunner().invoke(
        app, ["download", "movielens-100k", "--mirror", mirror.url, "--data-dir", str(home), *extra]
    )
    return result.exit_code, result.output


def leftovers(home: Path) -> list[Path]:
    """Every file under ``home``: what a failed download must not leave."""
    return [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
