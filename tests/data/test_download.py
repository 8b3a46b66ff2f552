"""Download MovieLens-100K through --mirror from a loopback server: success, resume and every failure."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.catalog import CATALOG
from talosbench.data.download import parse_md5

from .conftest import Mirror, download, leftovers, make_zip

runner = CliRunner()


def test_full_download(tmp_path: Path, mirror: Mirror, ml_zip: bytes, u_data: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    code, out = download(tmp_path, mirror)
    assert code == 0, out
    ds = tmp_path / "movielens-100k"
    meta = json.loads((ds / "meta.json").read_text())
    assert meta["source"]["url"] == mirror.url + "ml-100k.zip"
    assert meta["source"]["sha256"] == hashlib.sha256(ml_zip).hexdigest()
    assert meta["preprocessing"] == {"min_rating": 3.0, "k_core": 10}
    frame = pl.read_parquet(ds / "interactions.parquet")
    stats = meta["stats"]
    assert (stats["users"], stats["items"], stats["interactions"]) == (
        frame["user"].n_unique(),
        frame["item"].n_unique(),
        frame.height,
    )
    # 82,520 of the 100,000 ratings are >= 3; the 10-core keeps most of them and every degree is >= 10.
    assert 70_000 < stats["interactions"] < 82_520
    assert frame.group_by("user").len()["len"].min() >= 10
    assert frame.group_by("item").len()["len"].min() >= 10
    assert frame["user"].max() == stats["users"] - 1 and frame["item"].max() == stats["items"] - 1
    assert f"interactions {stats['interactions']:,}" in out
    sidecar = (ds / "raw" / "ml-100k.zip.sha256").read_text()
    assert sidecar.split()[0] == hashlib.sha256(ml_zip).hexdigest()
    # A second call reuses the cache: no new request.
    seen = len(mirror.requests)
    assert download(tmp_path, mirror)[0] == 0
    assert len(mirror.requests) == seen
    listing = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path)]).output
    assert f"{stats['interactions']:,}" in listing


def test_interrupted_download_resumes_with_range(tmp_path: Path, mirror: Mirror, ml_zip: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.cut_next = 1
    code, out = download(tmp_path, mirror)
    assert code == 0, out
    ranges = [r["range"] for r in mirror.requests if r["range"]]
    assert ranges == [f"bytes={len(ml_zip) // 2}-"]
    raw = tmp_path / "movielens-100k" / "raw" / "ml-100k.zip"
    assert raw.read_bytes() == ml_zip
    assert not list(raw.parent.glob("*.part"))


def test_checksum_mismatch_leaves_nothing(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    pinned = "0" * 64
    entry = replace(CATALOG.get("movielens-100k"), sha256=pinned)
    monkeypatch.setitem(CATALOG._items, "movielens-100k", entry)
    code, out = download(tmp_path, mirror)
    assert code == 1
    assert pinned in out and hashlib.sha256(ml_zip).hexdigest() in out and "--mirror" in out
    assert leftovers(tmp_path) == []


def test_changed_upstream_is_refused(tmp_path: Path, mirror: Mirror, ml_zip: bytes, u_data: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    assert download(tmp_path, mirror)[0] == 0
    mirror.files["ml-100k.zip"] = make_zip(u_data.replace(b"\t5\t", b"\t4\t", 1))
    code, out = download(tmp_path, mirror, "--force")
    assert code == 1 and "expected sha256" in out
    raw = tmp_path / "movielens-100k" / "raw" / "ml-100k.zip"
    assert raw.read_bytes() == ml_zip  # the trusted file is untouched
    assert not list(raw.parent.glob("*.part"))


def test_http_404_names_url_and_status(tmp_path: Path, mirror: Mirror) -> None:
    code, out = download(tmp_path, mirror)
    assert code == 1
    assert mirror.url + "ml-100k.zip" in out and "404" in out and "--file" in out
    assert leftovers(tmp_path) == []


def test_malformed_row_names_file_and_line(tmp_path: Path, mirror: Mirror, u_data: bytes) -> None:
    lines = u_data.split(b"\n")
    lines[16] = b"196\t242\tthree\t881250949"
    mirror.files["ml-100k.zip"] = make_zip(b"\n".join(lines))
    code, out = download(tmp_path, mirror)
    assert code == 1
    assert "ml-100k.zip:ml-100k/u.data:17" in out and "rating is not a number" in out
    assert leftovers(tmp_path) == []


def test_file_mirror(tmp_path: Path, ml_zip: bytes) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ml-100k.zip").write_bytes(ml_zip)
    result = runner.invoke(
        app,
        ["download", "movielens-100k", "--mirror", (tmp_path / "m").as_uri(), "--data-dir", f"{tmp_path}/h"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "h" / "movielens-100k" / "meta.json").is_file()


def test_one_failing_source_does_not_stop_the_others(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 11 case 9: `download` without names stopped at the first unreachable source.
    suites = ["gowalla", "movielens-100k", "amazon-beauty"]
    monkeypatch.setattr("talosbench.suite.shipped_datasets", lambda: suites)
    mirror.files["ml-100k.zip"] = ml_zip  # gowalla and amazon-beauty answer 404
    result = runner.invoke(app, ["download", "--mirror", mirror.url, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert (tmp_path / "movielens-100k" / "meta.json").is_file()
    summary = result.output[result.output.index("error: 2 of 3 datasets failed (1 ready):") :].splitlines()
    assert [line.split(":")[0] for line in summary[1:]] == ["  gowalla", "  amazon-beauty"]
    assert all("404" in line and "--file PATH --name my-" in line for line in summary[1:])


@pytest.mark.parametrize(
    ("text", "md5"),
    [
        ("MD5 (ml-100k.zip) = 0E33842E24A9C977BE4E0107933C0723\n", "0e33842e24a9c977be4e0107933c0723"),
        ("0e33842e24a9c977be4e0107933c0723  ml-100k.zip\n", "0e33842e24a9c977be4e0107933c0723"),
        ("<html>Not Found</html>", None),
        (f"{'a' * 32}  x.zip\n{'b' * 32}  y.zip\n", None),  # which one is ours is not ours to guess
        ("sha256 " + "c" * 64, None),  # a longer digest is not an md5
    ],
)
def test_parse_md5(text: str, md5: str | None) -> None:
    assert parse_md5(text) == md5


@pytest.fixture
def umask_027() -> Iterator[None]:
    """A distinctive umask (group read, others nothing), restored after the test."""
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask_027")
def test_every_file_of_a_download_honours_the_umask(tmp_path: Path, mirror: Mirror, ml_zip: bytes) -> None:
    # Issue 14 point 7: a shared data directory needs the files as readable as the umask allows,
    # not the 0600 of tempfile.mkstemp.
    mirror.files["ml-100k.zip"] = ml_zip
    assert download(tmp_path, mirror)[0] == 0
    split = runner.invoke(
        app,
        [
            "train",
            "--dataset",
            "movielens-100k",
            "--data-dir",
            str(tmp_path),
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--loss",
            "bpr",
        ],
    )
    assert split.exit_code == 0, split.output
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"ml-100k.zip", "ml-100k.zip.sha256", "meta.json", "user_map.parquet"}
    assert any(p.parent.name == "splits" for p in files)
    assert {p.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {
        p.relative_to(tmp_path).as_posix(): "0o640" for p in files
    }
    folders = [p for p in tmp_path.rglob("*") if p.is_dir()]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {"0o750"}
