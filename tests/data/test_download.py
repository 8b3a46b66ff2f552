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

from .conftest import Mirror, make_zip, pin_md5

runner = CliRunner()


def _download(home: Path, mirror: Mirror, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["download", "movielens-100k", "--mirror", mirror.url, "--data-dir", str(home), *extra]
    )
    return result.exit_code, result.output


def _leftovers(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()] if home.exists() else []


def test_full_download(tmp_path: Path, mirror: Mirror, ml_zip: bytes, u_data: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    code, out = _download(tmp_path, mirror)
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
    assert _download(tmp_path, mirror)[0] == 0
    assert len(mirror.requests) == seen
    listing = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path)]).output
    assert f"{stats['interactions']:,}" in listing


def test_interrupted_download_resumes_with_range(tmp_path: Path, mirror: Mirror, ml_zip: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.cut_next = 1
    code, out = _download(tmp_path, mirror)
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
    code, out = _download(tmp_path, mirror)
    assert code == 1
    assert pinned in out and hashlib.sha256(ml_zip).hexdigest() in out and "--mirror" in out
    assert _leftovers(tmp_path) == []


def test_changed_upstream_is_refused(tmp_path: Path, mirror: Mirror, ml_zip: bytes, u_data: bytes) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    assert _download(tmp_path, mirror)[0] == 0
    mirror.files["ml-100k.zip"] = make_zip(u_data.replace(b"\t5\t", b"\t4\t", 1))
    code, out = _download(tmp_path, mirror, "--force")
    assert code == 1 and "expected sha256" in out
    raw = tmp_path / "movielens-100k" / "raw" / "ml-100k.zip"
    assert raw.read_bytes() == ml_zip  # the trusted file is untouched
    assert not list(raw.parent.glob("*.part"))


def test_http_404_names_url_and_status(tmp_path: Path, mirror: Mirror) -> None:
    code, out = _download(tmp_path, mirror)
    assert code == 1
    assert mirror.url + "ml-100k.zip" in out and "404" in out and "--file" in out
    assert _leftovers(tmp_path) == []


def test_malformed_row_names_file_and_line(tmp_path: Path, mirror: Mirror, u_data: bytes) -> None:
    lines = u_data.split(b"\n")
    lines[16] = b"196\t242\tthree\t881250949"
    mirror.files["ml-100k.zip"] = make_zip(b"\n".join(lines))
    code, out = _download(tmp_path, mirror)
    assert code == 1
    assert "ml-100k.zip:ml-100k/u.data:17" in out and "rating is not a number" in out
    assert _leftovers(tmp_path) == []


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


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_the_publishers_md5_is_fetched_beside_the_file_and_checked(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"MD5 (ml-100k.zip) = {_md5(ml_zip)}\n".encode()  # GroupLens' form
    code, out = _download(tmp_path, mirror)
    assert code == 0, out
    assert f"verified md5 {_md5(ml_zip)} (published at {mirror.url}ml-100k.zip.md5)" in out
    meta = json.loads((tmp_path / "movielens-100k" / "meta.json").read_text())
    assert meta["source"]["md5"] == _md5(ml_zip)


def test_a_file_that_differs_from_the_published_md5_is_refused(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"{'1' * 32}  ml-100k.zip\n".encode()  # md5sum's form
    code, out = _download(tmp_path, mirror)
    assert code == 1
    assert f"expected md5 {'1' * 32} (published at {mirror.url}ml-100k.zip.md5), got {_md5(ml_zip)}" in out
    assert _leftovers(tmp_path) == []


def test_the_pinned_md5_is_checked_where_no_md5_is_served(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip  # a mirror copying only the zip: the .md5 answers 404
    pin_md5(monkeypatch, _md5(ml_zip))
    code, out = _download(tmp_path, mirror)
    assert code == 0, out
    assert "ml-100k.zip.md5 (HTTP 404 Not Found); checking the md5 pinned in the catalog" in out
    assert f"verified md5 {_md5(ml_zip)} (pinned in the catalog)" in out
    pin_md5(monkeypatch, "2" * 32)
    code, out = _download(tmp_path / "other", mirror)
    assert code == 1 and f"expected md5 {'2' * 32} (pinned in the catalog)" in out
    assert _leftovers(tmp_path / "other") == []


def test_a_published_md5_other_than_the_pinned_one_stops_before_the_download(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"MD5 (ml-100k.zip) = {_md5(ml_zip)}\n".encode()
    pin_md5(monkeypatch, "3" * 32)
    code, out = _download(tmp_path, mirror)
    assert code == 1 and f"catalog pins {'3' * 32}" in out and "changed upstream" in out
    assert [r["path"] for r in mirror.requests] == ["/ml-100k.zip.md5"]  # the zip was never fetched
    assert _leftovers(tmp_path) == []


def test_no_verify_md5_takes_a_copy_the_pin_refuses_and_says_so(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip  # re-packed from the same ratings: not the pinned bytes
    pin_md5(monkeypatch, "4" * 32)
    code, out = _download(tmp_path, mirror)
    assert code == 1 and f"expected md5 {'4' * 32} (pinned in the catalog)" in out
    code, out = _download(tmp_path, mirror, "--no-verify-md5")
    assert code == 0, out
    assert "the publisher's md5 is not checked (--no-verify-md5)" in out
    assert f"recorded sha256 {hashlib.sha256(ml_zip).hexdigest()} (no published checksum)" in out
    assert [r["path"] for r in mirror.requests if r["path"].endswith(".md5")] == ["/ml-100k.zip.md5"]
    meta = json.loads((tmp_path / "movielens-100k" / "meta.json").read_text())
    assert meta["source"]["md5"] is None  # nothing claims the publisher vouched for it


def test_without_a_published_checksum_the_recorded_sha256_is_shown(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    code, out = _download(tmp_path, mirror)
    assert code == 0, out
    sha = hashlib.sha256(ml_zip).hexdigest()
    assert f"recorded sha256 {sha} (no published checksum)" in out
    code, out = _download(tmp_path, mirror, "--force")
    assert code == 0, out
    assert f"verified sha256 {sha} (recorded at the first download; no published checksum)" in out


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
    assert _download(tmp_path, mirror)[0] == 0
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
