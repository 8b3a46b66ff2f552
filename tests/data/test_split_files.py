"""A catalog dataset fetched as a ready-made split (the authors' Beauty): each file checked, then prepared.

The loopback mirror serves files made here; the test's catalog entry pins their checksums, as the real
entry pins the authors' (the real source cannot be reached from the test machines).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.catalog import CATALOG, TALOS_COMMIT, SplitFile
from talosbench.data.scenarios import load_split

from .conftest import Mirror

NAME = "amazon-beauty-talos"
# Two users, a few items: every user has a train, a validation and a test item.
FILES = {
    "train_data.txt": b"0 0\n0 1\n1 1\n1 2\n2 0\n2 2\n",
    "valid_data.txt": b"0 2\n1 0\n",
    "test.txt": b"0 3\n1 3\n2 3\n",
}
FILES["train.txt"] = FILES["train_data.txt"] + FILES["valid_data.txt"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def served(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    """The mirror serves the four files; the catalog entry pins their checksums for this test."""
    mirror.files.update(FILES)
    entry = CATALOG.get(NAME)
    pinned = tuple(replace(f, sha256=_sha(FILES[f.filename])) for f in entry.split_files)
    monkeypatch.setitem(CATALOG._items, NAME, replace(entry, split_files=pinned))
    return mirror


def _download(home: Path, mirror: Mirror, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["download", NAME, "--mirror", mirror.url, "--data-dir", str(home), *extra]
    )
    return result.exit_code, result.output


def test_the_entry_pins_the_authors_files_at_their_commit() -> None:
    entry = CATALOG.get(NAME)
    assert [(f.part, f.filename) for f in entry.split_files] == [
        ("train", "train_data.txt"),
        ("valid", "valid_data.txt"),
        ("test", "test.txt"),
        ("train+valid", "train.txt"),
    ]
    assert all(f"/{TALOS_COMMIT}/normal_data/IID_Data_Used/Beauty/" in f.url for f in entry.split_files)
    assert entry.split_files[0].sha256 == "2b85bfa1d00e711d4d2e7102f96e46cf900032d8b5022a97f63eb8b58d6e1823"
    assert entry.raw_format == "splits" and entry.paper_dataset == "amazon-beauty"
    assert entry.license.startswith("MIT")


def test_the_split_is_fetched_through_the_mirror_checked_and_kept_as_given(
    tmp_path: Path, served: Mirror
) -> None:
    code, output = _download(tmp_path, served)
    assert code == 0, output
    assert sorted(r["path"] for r in served.requests) == sorted(f"/{n}" for n in FILES)
    assert output.count("verified sha256") == 4
    prepared = tmp_path / NAME
    meta = json.loads((prepared / "meta.json").read_text())
    assert meta["stats"]["users"] == 3 and meta["stats"]["interactions"] == 11
    assert meta["source"]["sha256"]["test"] == _sha(FILES["test.txt"])
    split = load_split(NAME, "given", 0, data_dir=tmp_path)
    assert (split.train.height, split.valid.height, split.test.height) == (6, 2, 3)
    # --force fetches every file again, and checks each again.
    served.requests.clear()
    code, output = _download(tmp_path, served, "--force")
    assert code == 0, output
    assert len(served.requests) == 4 and output.count("verified sha256") == 4


def test_a_changed_file_is_refused_and_deleted(tmp_path: Path, served: Mirror) -> None:
    served.files["test.txt"] = b"0 3\n1 3\n2 1\n"
    code, output = _download(tmp_path, served)
    assert code == 1
    assert "Checksum mismatch" in output and "test.txt" in output
    assert not (tmp_path / NAME / "raw" / "test.txt").exists()
    assert not (tmp_path / NAME / "meta.json").exists()


def test_a_stored_file_changed_later_is_refused(tmp_path: Path, served: Mirror) -> None:
    assert _download(tmp_path, served)[0] == 0
    (tmp_path / NAME / "meta.json").unlink()  # prepare again: the stored files are read, and checked first
    (tmp_path / NAME / "raw" / "valid_data.txt").write_bytes(b"0 2\n")
    code, output = _download(tmp_path, served)
    assert code == 1
    assert "does not match its recorded checksum" in output


def test_a_train_file_other_than_train_and_valid_is_refused(tmp_path: Path, served: Mirror) -> None:
    other = FILES["train_data.txt"]  # the validation pairs left out, checksum pinned to match
    served.files["train.txt"] = other
    entry = CATALOG.get(NAME)
    pinned = tuple(
        replace(f, sha256=_sha(other)) if f.part == "train+valid" else f for f in entry.split_files
    )
    CATALOG._items[NAME] = replace(entry, split_files=pinned)  # undone by the fixture's monkeypatch
    code, output = _download(tmp_path, served)
    assert code == 1
    assert "does not hold exactly the pairs of train_data.txt, valid_data.txt" in output


def test_split_file_name_is_the_last_url_segment() -> None:
    assert SplitFile("test", "https://example.org/a/b/test.txt", "0" * 64).filename == "test.txt"
