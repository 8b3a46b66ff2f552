"""The catalog's records: pinned publisher checksums and the recommended starting settings."""

from __future__ import annotations

from talosbench.config import RunConfig, check_setting
from talosbench.data.catalog import CATALOG, ML_BASE, apply_recommended, recommended_settings


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


def test_apply_recommended_leaves_given_settings_alone() -> None:
    settings = {"dataset": "synthetic", "lr": 0.001, "epochs": 200, "eval_every": 5, "patience": 5}
    out, applied = apply_recommended("synthetic", settings, given={"lr"})
    assert out == {"dataset": "synthetic", "lr": 0.001, "epochs": 40, "eval_every": 2, "patience": 3}
    assert [r.setting for r in applied] == ["epochs", "eval_every", "patience"]
    assert apply_recommended("my-own-data", settings, given=set()) == (settings, ())
