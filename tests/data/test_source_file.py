"""A catalog source file's checksums: the publisher's md5 (served or pinned), a pinned or recorded sha256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from talosbench.data.source_file import recorded_sha256

from .conftest import Mirror, download, leftovers, pin_md5


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_the_publishers_md5_is_fetched_beside_the_file_and_checked(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"MD5 (ml-100k.zip) = {_md5(ml_zip)}\n".encode()  # GroupLens' form
    code, out = download(tmp_path, mirror)
    assert code == 0, out
    assert f"verified md5 {_md5(ml_zip)} (published at {mirror.url}ml-100k.zip.md5)" in out
    meta = json.loads((tmp_path / "movielens-100k" / "meta.json").read_text())
    assert meta["source"]["md5"] == _md5(ml_zip)


def test_a_file_that_differs_from_the_published_md5_is_refused(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"{'1' * 32}  ml-100k.zip\n".encode()  # md5sum's form
    code, out = download(tmp_path, mirror)
    assert code == 1
    assert f"expected md5 {'1' * 32} (published at {mirror.url}ml-100k.zip.md5), got {_md5(ml_zip)}" in out
    assert leftovers(tmp_path) == []


def test_the_pinned_md5_is_checked_where_no_md5_is_served(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip  # a mirror copying only the zip: the .md5 answers 404
    pin_md5(monkeypatch, _md5(ml_zip))
    code, out = download(tmp_path, mirror)
    assert code == 0, out
    assert "ml-100k.zip.md5 (HTTP 404 Not Found); checking the md5 pinned in the catalog" in out
    assert f"verified md5 {_md5(ml_zip)} (pinned in the catalog)" in out
    pin_md5(monkeypatch, "2" * 32)
    code, out = download(tmp_path / "other", mirror)
    assert code == 1 and f"expected md5 {'2' * 32} (pinned in the catalog)" in out
    assert leftovers(tmp_path / "other") == []


def test_a_published_md5_other_than_the_pinned_one_stops_before_the_download(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip
    mirror.files["ml-100k.zip.md5"] = f"MD5 (ml-100k.zip) = {_md5(ml_zip)}\n".encode()
    pin_md5(monkeypatch, "3" * 32)
    code, out = download(tmp_path, mirror)
    assert code == 1 and f"catalog pins {'3' * 32}" in out and "changed upstream" in out
    assert [r["path"] for r in mirror.requests] == ["/ml-100k.zip.md5"]  # the zip was never fetched
    assert leftovers(tmp_path) == []


def test_no_verify_md5_takes_a_copy_the_pin_refuses_and_says_so(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror.files["ml-100k.zip"] = ml_zip  # re-packed from the same ratings: not the pinned bytes
    pin_md5(monkeypatch, "4" * 32)
    code, out = download(tmp_path, mirror)
    assert code == 1 and f"expected md5 {'4' * 32} (pinned in the catalog)" in out
    code, out = download(tmp_path, mirror, "--no-verify-md5")
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
    code, out = download(tmp_path, mirror)
    assert code == 0, out
    sha = hashlib.sha256(ml_zip).hexdigest()
    assert f"recorded sha256 {sha} (no published checksum)" in out
    code, out = download(tmp_path, mirror, "--force")
    assert code == 0, out
    assert f"verified sha256 {sha} (recorded at the first download; no published checksum)" in out


def test_the_recorded_sha256_is_read_from_the_file_beside_the_source(tmp_path: Path) -> None:
    source = tmp_path / "ml-100k.zip"
    assert recorded_sha256(source) is None
    (tmp_path / "ml-100k.zip.sha256").write_text(f"{'a' * 64}  ml-100k.zip\n")
    assert recorded_sha256(source) == "a" * 64
