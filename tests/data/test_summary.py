"""What the ``datasets`` listing shows: statistics once prepared, and which checksums vouch for a source."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from talosbench.data.catalog import CATALOG
from talosbench.data.prepare import prepare_dataset
from talosbench.data.summary import dataset_summary, source_checksums

SMALL = {"n_users": 60, "n_items": 40, "n_interactions": 1500}


def test_statistics_appear_once_the_dataset_is_prepared_with_those_options(tmp_path: Path) -> None:
    before = dataset_summary("synthetic", tmp_path, SMALL)
    assert before["entry"] is CATALOG.get("synthetic") and before["stats"] is None
    out = prepare_dataset("synthetic", data_dir=tmp_path, preprocess=SMALL)
    after = dataset_summary("synthetic", tmp_path, SMALL)
    assert after["dir"] == out and after["stats"]["interactions"] > 0
    assert dataset_summary("synthetic", tmp_path)["stats"] is None  # the defaults are not prepared


def test_the_checksums_of_a_source_say_where_each_comes_from(tmp_path: Path) -> None:
    movielens = CATALOG.get("movielens-100k")
    checksums = source_checksums(movielens, tmp_path)
    assert checksums == {
        "md5": movielens.md5,
        "md5_url": "https://files.grouplens.org/datasets/movielens/ml-100k.zip.md5",
        "sha256": None,
        "sha256_origin": None,
    }
    raw = tmp_path / "movielens-100k" / "raw"
    raw.mkdir(parents=True)
    (raw / "ml-100k.zip.sha256").write_text(f"{'a' * 64}  ml-100k.zip\n")
    recorded = source_checksums(movielens, tmp_path)
    assert recorded["sha256"] == "a" * 64 and recorded["sha256_origin"] == "recorded at the first download"
    pinned = source_checksums(replace(movielens, sha256="b" * 64), tmp_path)
    assert pinned["sha256"] == "b" * 64 and pinned["sha256_origin"] == "pinned in the catalog"
    assert source_checksums(CATALOG.get("synthetic"), tmp_path)["md5_url"] is None
