"""The catalog's records: pinned publisher checksums and the recommended starting settings."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.config import RunConfig, check_setting
from talosbench.data.catalog import CATALOG, ML_BASE, apply_recommended, recommended_settings

runner = CliRunner()


def test_grouplens_datasets_pin_the_published_md5() -> None:
    # GroupLens serves <zip>.md5 beside each zip; the values pinned are the ones it publishes.
    grouplens = {n: CATALOG.get(n) for n in CATALOG.names() if (CATALOG.get(n).url or "").startswith(ML_BASE)}
    assert {n: (e.md5, e.md5_suffix) for n, e in grouplens.items()} == {
        "movielens-100k": ("0e33842e24a9c977be4e0107933c0723", ".md5"),
        "movielens-1m": ("c4d9eecfca2ab87c1945afe126590906", ".md5"),
    }


def test_recommended_settings_are_valid_run_settings() -> None:
    fields = set(RunConfig.__dataclass_fields__)
    for name in CATALOG.names():
        for rec in recommended_settings(name):
            assert rec.setting in fields, f"{name}: {rec.setting} is no run setting"
            assert check_setting(rec.setting, rec.value) == rec.value
            assert rec.protocol, f"{name}: {rec.setting} does not say what the protocol does"
    synthetic = [r.setting for r in recommended_settings("synthetic")]
    assert synthetic == ["lr", "epochs", "eval_every", "patience"]
    assert recommended_settings("movielens-100k") == recommended_settings("synthetic")


def test_apply_recommended_leaves_given_settings_alone() -> None:
    settings = {"dataset": "synthetic", "lr": 0.001, "epochs": 200, "eval_every": 5, "patience": 5}
    out, applied = apply_recommended("synthetic", settings, given={"lr"})
    assert out == {"dataset": "synthetic", "lr": 0.001, "epochs": 40, "eval_every": 2, "patience": 3}
    assert [r.setting for r in applied] == ["epochs", "eval_every", "patience"]
    assert apply_recommended("my-own-data", settings, given=set()) == (settings, ())


def test_datasets_name_shows_checksums_and_recommendations_in_100_columns(tmp_path: Path) -> None:
    shown = {}
    for name in ("synthetic", "movielens-100k", "gowalla"):
        result = runner.invoke(app, ["datasets", name, "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.output.splitlines()) <= 100
        shown[name] = " ".join(result.output.split())  # the wrapping undone
    assert (
        "md5 0e33842e24a9c977be4e0107933c0723 (the publisher's, pinned in the catalog; also read from "
        "https://files.grouplens.org/datasets/movielens/ml-100k.zip.md5 at download)"
    ) in shown["movielens-100k"]
    assert "sha256 recorded at the first download (no published checksum)" in shown["gowalla"]
    assert "recommended lr=0.1 (within the paper's protocol: the paper tunes lr" in shown["synthetic"]
    assert "epochs=40 (departs from the paper's protocol: " in shown["synthetic"]
    assert "recommended - (the run defaults, the paper's protocol)" in shown["gowalla"]
    assert "recommended lr=0.1 " in shown["movielens-100k"]
    unknown = runner.invoke(app, ["datasets", "movielens-10k", "--data-dir", str(tmp_path)])
    assert unknown.exit_code == 2 and "movielens-100k" in unknown.output
