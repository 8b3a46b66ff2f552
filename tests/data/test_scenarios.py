"""Every scenario: disjoint, complete, sized as specified, deterministic per seed, different across seeds."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talosbench.data import DataError, UnknownDatasetError, import_file, load_split, prepare_split
from talosbench.data.preprocess import preprocess
from talosbench.data.scenarios import SCENARIOS, build_split
from talosbench.data.synthetic import generate

from .conftest import Mirror

SMALL = {"n_users": 200, "n_items": 120, "n_interactions": 9000}


@pytest.fixture(scope="module")
def interactions() -> pl.DataFrame:
    return preprocess(generate(**SMALL, seed=3), {"k_core": 5}, name="s").interactions


def _pairs(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["user"].to_list(), frame["item"].to_list(), strict=False))


def _split(frame: pl.DataFrame, scenario: str, seed: int):
    return build_split(
        frame, scenario, seed, dataset="s", n_users=frame["user"].max() + 1, n_items=frame["item"].max() + 1
    )


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), scenario=st.sampled_from(["iid", "temporal", "popularity"]))
def test_split_is_disjoint_complete_and_deterministic(
    interactions: pl.DataFrame, seed: int, scenario: str
) -> None:
    s = _split(interactions, scenario, seed)
    train, valid, test = _pairs(s.train), _pairs(s.valid), _pairs(s.test)
    assert not (train & valid) and not (train & test) and not (valid & test)
    dropped = s.diagnostics["dropped_cold"]
    assert len(train) + len(valid) + len(test) + dropped["valid"] + dropped["test"] == interactions.height
    assert train | valid | test <= _pairs(interactions)
    assert s.diagnostics["sizes"] == {"train": len(train), "valid": len(valid), "test": len(test)}
    again = _split(interactions, scenario, seed)
    assert again.train.equals(s.train) and again.valid.equals(s.valid) and again.test.equals(s.test)
    other = _split(interactions, scenario, seed + 1)
    # temporal's test set is the time cut itself; its validation draw must still change with the seed
    assert not other.valid.equals(s.valid)
    if scenario != "temporal":
        assert not other.test.equals(s.test)


def test_iid_sizes_follow_spec(interactions: pl.DataFrame) -> None:
    s = _split(interactions, "iid", 0)
    n = interactions.group_by("user").len().rename({"len": "n"})
    t = s.test.group_by("user").len().rename({"len": "t"})
    v = s.valid.group_by("user").len().rename({"len": "v"})
    got = n.join(t, on="user", how="left").join(v, on="user", how="left").fill_null(0)
    exp_t = np.minimum((got["n"].to_numpy() * 2 + 9) // 10, got["n"].to_numpy() - 1)
    m = got["n"].to_numpy() - exp_t
    exp_v = np.minimum((m + 9) // 10, m - 1)
    assert (got["t"].to_numpy() == exp_t).all() and (got["v"].to_numpy() == exp_v).all()


def test_temporal_order_and_shift(interactions: pl.DataFrame) -> None:
    s = _split(interactions, "temporal", 0)
    assert max(s.train["timestamp"].max(), s.valid["timestamp"].max()) <= s.test["timestamp"].min()
    total = interactions.height
    n_test_before_drop = s.test.height + s.diagnostics["dropped_cold"]["test"]
    assert n_test_before_drop == total - round(0.8 * total)
    iid = _split(interactions, "iid", 0)
    assert s.diagnostics["js_divergence_item_popularity"] > iid.diagnostics["js_divergence_item_popularity"]


def test_popularity_test_set_favours_rare_items(interactions: pl.DataFrame) -> None:
    s = _split(interactions, "popularity", 0)
    assert abs(s.test.height + s.diagnostics["dropped_cold"]["test"] - 0.2 * interactions.height) <= 1
    pop = interactions.group_by("item").len()
    mean_pop = lambda f: f.join(pop, on="item")["len"].mean()  # noqa: E731
    assert mean_pop(s.test) < 0.8 * mean_pop(s.train)
    per_item = s.test.group_by("item").len().join(pop, on="item", suffix="_all")
    assert (per_item["len"] <= per_item["len_all"] // 2).all()
    iid = _split(interactions, "iid", 0)
    assert (
        s.diagnostics["js_divergence_item_popularity"] > 2 * iid.diagnostics["js_divergence_item_popularity"]
    )


def test_prepare_split_caches_and_validates_names(tmp_path: Path) -> None:
    events: list[str] = []
    a = prepare_split("synthetic", "iid", 1, data_dir=tmp_path, preprocess=SMALL, on_event=events.append)
    assert any("generating" in e for e in events)
    events.clear()
    b = prepare_split("synthetic", "iid", 1, data_dir=tmp_path, preprocess=SMALL, on_event=events.append)
    assert events == [] and a.train.equals(b.train) and a.diagnostics == b.diagnostics
    assert (tmp_path / "synthetic").is_dir() and list(
        (tmp_path / "synthetic").glob("prep-*/splits/iid-seed1.*")
    )
    with pytest.raises(UnknownDatasetError, match="Did you mean 'temporal'"):
        prepare_split("synthetic", "temporl", 0, data_dir=tmp_path)
    with pytest.raises(DataError, match="unknown preprocessing option 'k'"):
        prepare_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess={"k": 3})
    with pytest.raises(DataError, match="given"):
        prepare_split("synthetic", "given", 0, data_dir=tmp_path, preprocess=SMALL)


def test_load_split_never_prepares_and_names_the_command(
    tmp_path: Path, mirror: Mirror, ml_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 12: load_split, which training calls, prepared the dataset: it could start a download.
    mirror.files["ml-100k.zip"] = ml_zip
    monkeypatch.setenv("TALOSBENCH_MIRROR", mirror.url)
    command = f"run `talosbench download movielens-100k --data-dir {tmp_path}`"
    with pytest.raises(DataError, match=re.escape(command)):
        load_split("movielens-100k", "iid", 0, data_dir=tmp_path)
    with pytest.raises(DataError, match=r"not prepared with n_users=200.*`talosbench run SUITE\.toml`"):
        load_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess=SMALL)
    assert mirror.requests == [] and list(tmp_path.iterdir()) == []
    prepare_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess=SMALL)  # the step before training
    assert load_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess=SMALL).train.height > 0


def test_given_uses_imported_splits_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "lgcn"
    folder.mkdir()
    (folder / "train.txt").write_text("0 0 1 2 3\n1 1 2 3\n2 0 3 4\n")
    (folder / "test.txt").write_text("0 4\n1 0\n2 1\n")
    import_file(folder, "mine", data_dir=tmp_path / "home")
    s = load_split("mine", "given", 0, data_dir=tmp_path / "home")
    assert _pairs(s.test) == {(0, 4), (1, 0), (2, 1)}
    assert _pairs(s.train) | _pairs(s.valid) == {
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 0),
        (2, 3),
        (2, 4),
    }
    assert s.valid.height == 3 and s.diagnostics["valid_carved_from_train"] is True
    assert (s.n_users, s.n_items) == (3, 5)


def test_scenarios_registered() -> None:
    assert SCENARIOS.names() == ["iid", "temporal", "popularity", "given"]


def test_a_split_with_an_empty_part_fails_at_split_time() -> None:
    # Issue 11 case 8: a 2-row dataset reached training and died in torch.cat().
    two = pl.DataFrame({"user": [0, 1], "item": [0, 1], "timestamp": [1, 2]})
    with pytest.raises(DataError) as err:
        build_split(two, "iid", 0, dataset="two", n_users=2, n_items=2)
    message = str(err.value)
    assert "split of 'two' (seed 0) has no validation and no test rows (train 2, valid 0, test 0)" in message
    assert "2 interactions from 2 users; 2 of them with fewer than 3" in message and "more data" in message
    # temporal: the one test row belongs to a user never seen in training, so it is dropped as cold
    five = pl.DataFrame({"user": [0, 0, 0, 0, 1], "item": [0, 1, 2, 3, 4], "timestamp": [1, 2, 3, 4, 5]})
    with pytest.raises(DataError, match="1 test rows were dropped because their user or item never"):
        build_split(five, "temporal", 0, dataset="five", n_users=2, n_items=5)


def test_a_cached_split_with_an_empty_part_is_rebuilt_and_explained(tmp_path: Path) -> None:
    (tmp_path / "two.csv").write_text("user,item\nu1,i1\nu2,i2\n")
    prepared = import_file(tmp_path / "two.csv", "two", data_dir=tmp_path / "home")
    # what an older version cached for this dataset: every row in train
    (prepared / "splits").mkdir()
    frame = pl.read_parquet(prepared / "interactions.parquet").select("user", "item")
    frame.with_columns(pl.lit("train").alias("part")).write_parquet(prepared / "splits" / "iid-seed0.parquet")
    (prepared / "splits" / "iid-seed0.json").write_text("{}")
    with pytest.raises(DataError, match="has no validation and no test rows"):
        load_split("two", "iid", 0, data_dir=tmp_path / "home")


def test_temporal_cold_keep_keeps_and_counts_the_rows_drop_removes(interactions: pl.DataFrame) -> None:
    n = {"n_users": interactions["user"].max() + 1, "n_items": interactions["item"].max() + 1}
    drop = build_split(interactions, "temporal", 0, dataset="s", **n)
    keep = build_split(interactions, "temporal", 0, dataset="s", **n, options={"cold": "keep"})
    dropped = drop.diagnostics["dropped_cold"]
    assert dropped["test"] > 0 and "cold_kept" not in drop.diagnostics  # the default's diagnostics as before
    assert keep.train.equals(drop.train)
    assert keep.diagnostics["cold_kept"] == dropped
    assert keep.diagnostics["dropped_cold"] == {"valid": 0, "test": 0}
    assert keep.valid.height == drop.valid.height + dropped["valid"]
    assert keep.test.height == drop.test.height + dropped["test"]
    assert _pairs(drop.test) < _pairs(keep.test)


def test_cold_option_selects_its_own_cached_split_of_the_same_prepared_data(tmp_path: Path) -> None:
    drop = prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess=SMALL)
    keep = prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess={**SMALL, "cold": "keep"})
    prep = [p for p in (tmp_path / "synthetic").iterdir() if p.name.startswith("prep-")]
    assert len(prep) == 1  # one prepared folder: the option does not touch preprocessing
    assert sorted(p.name for p in (prep[0] / "splits").glob("*.parquet")) == [
        "temporal-seed0-cold-keep.parquet",
        "temporal-seed0.parquet",
    ]
    assert keep.test.height == drop.test.height + drop.diagnostics["dropped_cold"]["test"]
    again = load_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess={**SMALL, "cold": "keep"})
    assert again.test.equals(keep.test) and again.diagnostics == keep.diagnostics
    with pytest.raises(DataError, match="option 'cold' of dataset 'synthetic' must be one of drop, keep"):
        prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess={"cold": "maybe"})


def _n(frame: pl.DataFrame) -> dict[str, int]:
    return {"n_users": frame["user"].max() + 1, "n_items": frame["item"].max() + 1}


def _temporal(frame: pl.DataFrame, seed: int, **options: object):
    return build_split(frame, "temporal", seed, dataset="s", **_n(frame), options=options)


def _by_time(frame: pl.DataFrame) -> pl.DataFrame:
    """The interactions with distinct timestamps (so that the time order needs no tie-break)."""
    return frame.with_columns(pl.int_range(pl.len()).shuffle(seed=5).cast(pl.Int64).alias("timestamp"))


def test_temporal_latest_validation_is_the_last_tenth_of_the_training_period(
    interactions: pl.DataFrame,
) -> None:
    frame = _by_time(interactions)
    s = _temporal(frame, 3, valid="latest", cold="keep")
    # Independently: the earliest 80 % by time is the training period, its last 10 % the validation.
    ordered = frame.sort("timestamp")
    period = ordered.head(round(frame.height * 0.8))
    expected_valid = period.tail(round(period.height * 0.1))
    assert _pairs(s.valid) == _pairs(expected_valid)
    assert _pairs(s.train) == _pairs(period) - _pairs(expected_valid)
    assert s.train["timestamp"].max() < s.valid["timestamp"].min()
    # The test part is the same cut as the default's; only the validation rows differ.
    default = _temporal(frame, 3, cold="keep")
    assert default.test.equals(s.test) and not default.valid.equals(s.valid)
    assert _temporal(frame, 4, valid="latest", cold="keep").valid.equals(s.valid)  # no draw left


def test_the_default_temporal_options_keep_todays_split(interactions: pl.DataFrame) -> None:
    plain = _temporal(interactions, 7)
    spelt = _temporal(interactions, 7, valid="random", train_k_core=0, cold="drop")
    assert plain.train.equals(spelt.train) and plain.valid.equals(spelt.valid)
    assert plain.diagnostics == spelt.diagnostics and "train_k_core_dropped" not in plain.diagnostics


def _core(pairs: set[tuple[int, int]], k: int) -> set[tuple[int, int]]:
    """A plain iterative k-core, to check the split's against."""
    while True:
        users: dict[int, int] = {}
        items: dict[int, int] = {}
        for u, i in pairs:
            users[u] = users.get(u, 0) + 1
            items[i] = items.get(i, 0) + 1
        kept = {(u, i) for u, i in pairs if users[u] >= k and items[i] >= k}
        if kept == pairs:
            return kept
        pairs = kept


def test_temporal_train_k_core_filters_the_training_period_alone(interactions: pl.DataFrame) -> None:
    frame = _by_time(interactions)
    s = _temporal(frame, 3, train_k_core=12, valid="latest")
    period = frame.sort("timestamp").head(round(frame.height * 0.8))
    core = _core(_pairs(period), 12)
    assert 0 < len(core) < period.height  # the filter bites on this data
    assert _pairs(s.train) | _pairs(s.valid) <= core
    assert len(_pairs(s.train)) + len(_pairs(s.valid)) + s.diagnostics["dropped_cold"]["valid"] == len(core)
    assert s.diagnostics["train_k_core_dropped"] == period.height - len(core)
    # Test rows are not filtered by the core: only those cold for the trained model are dropped.
    test = frame.sort("timestamp").slice(period.height)
    users, items = set(s.train["user"]), set(s.train["item"])
    warm = {(u, i) for u, i in _pairs(test) if u in users and i in items}
    assert _pairs(s.test) == warm and s.diagnostics["dropped_cold"]["test"] == test.height - len(warm)


def test_temporal_options_select_their_own_cached_split_and_are_checked(tmp_path: Path) -> None:
    options = {**SMALL, "valid": "latest", "train_k_core": 3}
    prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess=options)
    names = sorted(p.name for p in tmp_path.glob("synthetic/**/splits/*.parquet"))
    assert names == ["temporal-seed0-train_k_core-3-valid-latest.parquet"]
    # Other scenarios do not read them: their split and cache are those without the options.
    prepare_split("synthetic", "iid", 0, data_dir=tmp_path, preprocess=options)
    assert "iid-seed0.parquet" in {p.name for p in tmp_path.glob("synthetic/**/splits/*.parquet")}
    with pytest.raises(
        DataError, match="option 'valid' of dataset 'synthetic' must be one of random, latest"
    ):
        prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess={"valid": "newest"})
    with pytest.raises(DataError, match=r"option 'train_k_core' .* must be a whole number >= 0, got -1"):
        prepare_split("synthetic", "temporal", 0, data_dir=tmp_path, preprocess={"train_k_core": -1})


def _cold_folder(tmp_path: Path) -> Path:
    """A split folder whose test holds a user (9) and an item (7) that training never saw."""
    folder = tmp_path / "pub"
    folder.mkdir()
    (folder / "train.txt").write_text("0 0 1 2 3\n1 1 2 3\n2 0 3 4\n")
    (folder / "valid.txt").write_text("0 4\n1 0\n")
    (folder / "test.txt").write_text("0 7\n1 4\n2 1\n9 1\n")
    import_file(folder, "pub", data_dir=tmp_path / "home")
    return tmp_path / "home"


def test_given_keeps_and_counts_cold_rows_and_drops_them_when_asked(tmp_path: Path) -> None:
    home = _cold_folder(tmp_path)
    kept = load_split("pub", "given", 0, data_dir=home)
    # As before: the publisher's test rows, cold ones included; now counted as well.
    assert kept.test.height == 4
    assert kept.diagnostics["cold_kept"] == {"valid": 0, "test": 2}
    assert kept.diagnostics["dropped_cold"] == {"valid": 0, "test": 0}
    assert kept.diagnostics["cold_users"] == {"valid": 0, "test": 1}
    assert kept.diagnostics["cold_items"] == {"valid": 0, "test": 1}
    dropped = load_split("pub", "given", 0, data_dir=home, preprocess={"cold": "drop"})
    assert dropped.test.height == 2 and dropped.diagnostics["dropped_cold"] == {"valid": 0, "test": 2}
    assert dropped.train.equals(kept.train) and dropped.valid.equals(kept.valid)
    names = sorted(p.name for p in home.glob("pub/**/splits/*.parquet"))
    assert names == ["given-seed0-cold-drop.parquet", "given-seed0.parquet"]


def test_a_given_split_cached_before_its_cold_rows_were_counted_is_rebuilt_alike(tmp_path: Path) -> None:
    home = _cold_folder(tmp_path)
    fresh = load_split("pub", "given", 0, data_dir=home)
    diag = next(home.glob("pub/**/splits/given-seed0.json"))
    old = {k: v for k, v in fresh.diagnostics.items() if k not in ("cold_users", "cold_items", "cold_kept")}
    diag.write_text(__import__("json").dumps(old))  # what an earlier version cached
    again = load_split("pub", "given", 0, data_dir=home)
    assert again.diagnostics == fresh.diagnostics and again.test.equals(fresh.test)
    assert again.diagnostics["cold_users"] == {"valid": 0, "test": 1}
