"""Shift scenarios: ``iid``, ``temporal``, ``popularity`` and ``given`` splits, cached as Parquet per seed.

Every scenario is a function of the prepared interactions and one explicit numpy Generator seeded from
(seed, scenario), so a (dataset, scenario, seed) triple always yields the same split.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from talosbench.data import store
from talosbench.data.cold import apply_cold, drop_cold, unseen_counts
from talosbench.data.errors import DataError, UnknownDatasetError, unusable_home
from talosbench.data.prepare import prepare_dataset, prepared_folder
from talosbench.data.preprocess import k_core
from talosbench.data.scenario_names import SCENARIO_HELP
from talosbench.data.split import Split, split_options
from talosbench.data.split_cache import cache_paths, read_cache, read_interactions, write_cache
from talosbench.registry import Registry, UnknownNameError

Parts = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, Any]]
TEST_FRACTION = (2, 10)  # 20% test
VALID_FRACTION = (1, 10)  # 10% of the training part to validation
# A per-user split gives a user a test row from 2 interactions and a validation row from 3; with fewer,
# every row of the user stays in training (the user is then simply not evaluated on that part).
ROWS_FOR_ALL_PARTS = 3
PART_NAMES = {"train": "training", "valid": "validation", "test": "test"}


@dataclass(frozen=True)
class Scenario:
    """A named split rule: ``build(interactions, rng, options) -> (train, valid, test, extra diagnostics)``.

    ``options`` are the split options (``split.split_options``, defaults filled in); a rule may ignore them.
    """

    name: str
    help: str
    build: Callable[[pl.DataFrame, np.random.Generator, Mapping[str, Any]], Parts]


SCENARIOS: Registry[Scenario] = Registry("scenario")


def _scenario(name: str) -> Callable[[Callable[..., Parts]], Callable[..., Parts]]:
    """Register the split rule of the scenario ``name`` that ``SCENARIO_HELP`` declares."""

    def add(fn: Callable[..., Parts]) -> Callable[..., Parts]:
        SCENARIOS.add(name, Scenario(name, SCENARIO_HELP[name], fn))
        return fn

    return add


def _holdout(frame: pl.DataFrame, rng: np.random.Generator, fraction: tuple[int, int]) -> pl.Series:
    """Per user, mark ceil(fraction * n_u) random rows, always leaving at least one row unmarked."""
    key = rng.random(frame.height)
    ranked = (
        frame.select("user")
        .with_columns(pl.Series("_key", key))
        .select(
            rank=pl.col("_key").rank("ordinal").over("user") - 1,
            n=pl.len().over("user"),
        )
    )
    num, den = fraction
    quota = pl.min_horizontal((pl.col("n") * num + den - 1) // den, pl.col("n") - 1)
    return ranked.select(pl.col("rank") < quota)["rank"]


@_scenario("iid")
def iid(frame: pl.DataFrame, rng: np.random.Generator, options: Mapping[str, Any]) -> Parts:
    """Per-user random split: test = ceil(20%), validation = ceil(10%) of the rest, >= 1 train row kept."""
    test_mask = _holdout(frame, rng, TEST_FRACTION)
    rest, test = frame.filter(~test_mask), frame.filter(test_mask)
    valid_mask = _holdout(rest, rng, VALID_FRACTION)
    return rest.filter(~valid_mask), rest.filter(valid_mask), test, {}


@_scenario("temporal")
def temporal(frame: pl.DataFrame, rng: np.random.Generator, options: Mapping[str, Any]) -> Parts:
    """Global time cut; validation drawn at random from the training period (or its latest 10 %), which
    may be k-cored alone; cold valid/test rows dropped (or kept) and counted."""
    if frame["timestamp"].null_count():
        raise DataError(
            "scenario 'temporal' needs timestamps, and this dataset has none; use iid or popularity."
        )
    # Ties at the cut are broken by a seeded random key so no implicit file order leaks in.
    ordered = frame.with_columns(pl.Series("_key", rng.random(frame.height))).sort(["timestamp", "_key"])
    n_cut = round(frame.height * (1 - TEST_FRACTION[0] / TEST_FRACTION[1]))
    train_all, test = ordered.head(n_cut).drop("_key"), ordered.slice(n_cut).drop("_key")
    extra: dict[str, Any] = {}
    if options["train_k_core"]:  # filter keeps the time order, which "latest" below relies on
        train_all = k_core(train_all, options["train_k_core"])[0]
        extra["train_k_core_dropped"] = n_cut - train_all.height
    n_train = train_all.height
    n_valid = round(n_train * VALID_FRACTION[0] / VALID_FRACTION[1])
    pick = np.zeros(n_train, dtype=bool)
    if options["valid"] == "latest":
        pick[n_train - n_valid :] = True
    else:
        pick[rng.choice(n_train, size=n_valid, replace=False)] = True
    mask = pl.Series(pick)
    train, valid = train_all.filter(~mask), train_all.filter(mask)
    valid, test, counts = apply_cold(train, valid, test, options["cold"])
    return train, valid, test, {**counts, **extra}


@_scenario("popularity")
def popularity(frame: pl.DataFrame, rng: np.random.Generator, options: Mapping[str, Any]) -> Parts:
    """Weighted sampling without replacement (Efraimidis-Spirakis keys) with weight 1 / item popularity.

    Each item gives at most half of its rows and each user at most half of theirs to the test set, so
    the model still sees every item and user in training; cold test rows that remain are dropped
    (or kept, with ``cold = "keep"``). Validation, carved per user as in iid, is never cold by user.
    """
    n_test = round(frame.height * TEST_FRACTION[0] / TEST_FRACTION[1])
    pop = frame.select(pl.len().over("item"))["len"].to_numpy().astype(np.float64)
    # key = u ** (1 / w) with w = 1 / pop; compared in log space: log(u) * pop, larger is chosen first.
    key = np.log(rng.random(frame.height)) * pop
    ranked = frame.with_columns(pl.Series("_key", key)).with_columns(
        item_rank=pl.col("_key").rank("ordinal", descending=True).over("item") - 1,
        user_rank=pl.col("_key").rank("ordinal", descending=True).over("user") - 1,
    )
    eligible = (pl.col("item_rank") < pl.len().over("item") // 2) & (
        pl.col("user_rank") < pl.len().over("user") // 2
    )
    chosen = ranked.with_columns(eligible.alias("_ok")).with_columns(
        (
            pl.col("_ok")
            & (pl.when(pl.col("_ok")).then(pl.col("_key")).rank("ordinal", descending=True) <= n_test)
        )
        .fill_null(False)
        .alias("_test")
    )
    mask = chosen["_test"]
    rest, test = frame.filter(~mask), frame.filter(mask)
    valid_mask = _holdout(rest, rng, VALID_FRACTION)
    train, valid = rest.filter(~valid_mask), rest.filter(valid_mask)
    kept_test, cold_test = drop_cold(test, train)
    if options["cold"] == "keep":  # count cold validation rows too (under "drop" they were never removed)
        kept = {"valid": drop_cold(valid, train)[1], "test": cold_test}
        return train, valid, test, {"dropped_cold": {"valid": 0, "test": 0}, "cold_kept": kept}
    return train, valid, kept_test, {"dropped_cold": {"valid": 0, "test": cold_test}}


@_scenario("given")
def given(frame: pl.DataFrame, rng: np.random.Generator, options: Mapping[str, Any]) -> Parts:
    """Use the imported parts; without a validation file carve 10% of each user's train as in iid.

    Cold validation and test rows stay (``cold = "keep"``, this scenario's default) or go (``"drop"``);
    either way they are counted, with the users and items of each part that training never saw.
    """
    if "part" not in frame.columns:
        raise DataError(
            "scenario 'given' needs a dataset imported from a folder of ready-made splits "
            "(`talosbench download --file DIR --name NAME`); use iid, temporal or popularity here."
        )
    train = frame.filter(pl.col("part") == "train").drop("part")
    valid = frame.filter(pl.col("part") == "valid").drop("part")
    test = frame.filter(pl.col("part") == "test").drop("part")
    carved = valid.height == 0
    if carved:
        valid_mask = _holdout(train, rng, VALID_FRACTION)
        train, valid = train.filter(~valid_mask), train.filter(valid_mask)
    unseen = unseen_counts(train, {"valid": valid, "test": test})
    valid, test, counts = apply_cold(train, valid, test, options["cold"])
    return train, valid, test, {"valid_carved_from_train": carved, **counts, **unseen}


def get_scenario(name: str) -> Scenario:
    """The registered scenario ``name``; an unknown name is a usage error with did-you-mean."""
    try:
        return SCENARIOS.get(name)
    except UnknownNameError as err:
        raise UnknownDatasetError(str(err)) from None


def js_divergence(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) between two count vectors over the same items."""
    p = p_counts / max(p_counts.sum(), 1)
    q = q_counts / max(q_counts.sum(), 1)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return 0.5 * kl(p) + 0.5 * kl(q)


def diagnostics(train: pl.DataFrame, valid: pl.DataFrame, test: pl.DataFrame, n_items: int) -> dict[str, Any]:
    """Sizes, users/items covered per part and train-vs-test item-popularity divergence."""
    parts = {"train": train, "valid": valid, "test": test}
    total = sum(p.height for p in parts.values()) or 1

    def counts(f: pl.DataFrame) -> np.ndarray:
        return np.bincount(f["item"].to_numpy(), minlength=n_items).astype(np.float64)

    return {
        "sizes": {k: p.height for k, p in parts.items()},
        "fractions": {k: p.height / total for k, p in parts.items()},
        "users": {k: p["user"].n_unique() for k, p in parts.items()},
        "items": {k: p["item"].n_unique() for k, p in parts.items()},
        "js_divergence_item_popularity": js_divergence(counts(train), counts(test)),
    }


def _rng(seed: int, scenario: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(scenario.encode())])


def build_split(
    interactions: pl.DataFrame,
    scenario: str,
    seed: int,
    *,
    dataset: str,
    n_users: int,
    n_items: int,
    options: Mapping[str, Any] | None = None,
) -> Split:
    """Split prepared interactions (Int64 user/item[, timestamp][, part]) with a named scenario.

    ``options`` may hold split options (``split.split_options``); unset ones take their defaults.
    """
    rule = get_scenario(scenario)
    keep = ["user", "item"] + (
        ["timestamp"]
        if "timestamp" in interactions.columns and interactions["timestamp"].null_count() == 0
        else []
    )
    cols = keep + ([] if "part" not in interactions.columns else ["part"])
    if "timestamp" not in keep and scenario == "temporal":
        raise DataError(f"scenario 'temporal' needs timestamps, and dataset '{dataset}' has none; use iid.")
    frame = interactions.select(cols).with_columns(
        pl.col("user").cast(pl.Int64), pl.col("item").cast(pl.Int64)
    )
    if "timestamp" not in keep:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("timestamp"))
    train, valid, test, extra = rule.build(frame, _rng(seed, scenario), split_options(options, scenario))
    train, valid, test = (p.select(keep).sort(keep[:2]) for p in (train, valid, test))
    dropped = extra.pop("dropped_cold", {"valid": 0, "test": 0})
    _require_rows(frame, {"train": train, "valid": valid, "test": test}, dropped, dataset, scenario, seed)
    diag = diagnostics(train, valid, test, n_items)
    diag["dropped_cold"] = dropped
    diag.update(extra)
    return Split(dataset, scenario, int(seed), n_users, n_items, train, valid, test, diag)


def _require_rows(
    frame: pl.DataFrame,
    parts: dict[str, pl.DataFrame],
    dropped: Mapping[str, int],
    dataset: str,
    scenario: str,
    seed: int,
) -> None:
    """Fail at split time when a part is empty (training and validation cannot run), saying why."""
    empty = [name for name, part in parts.items() if part.height == 0]
    if not empty:
        return
    per_user = frame.group_by("user").len()
    sparse = per_user.filter(pl.col("len") < ROWS_FOR_ALL_PARTS).height
    why = [f"'{dataset}' has {frame.height} interactions from {per_user.height} users"]
    if sparse:
        why.append(
            f"{sparse} of them with fewer than {ROWS_FOR_ALL_PARTS}, whose rows all stay in training "
            "in a per-user split"
        )
    if dropped["valid"] or dropped["test"]:
        why.append(
            f"{dropped['valid']} validation and {dropped['test']} test rows were dropped because their "
            "user or item never appears in training"
        )
    sizes = ", ".join(f"{name} {part.height}" for name, part in parts.items())
    missing = " and no ".join(PART_NAMES[name] for name in empty)
    raise DataError(
        f"the {scenario} split of '{dataset}' (seed {seed}) has no {missing} rows ({sizes}), and a run "
        f"needs all three. {'; '.join(why)}. Use more data (at least {ROWS_FOR_ALL_PARTS} interactions "
        "for most users), or another scenario."
    )


def prepare_split(
    dataset: str,
    scenario: str,
    seed: int,
    *,
    data_dir: Path | None = None,
    preprocess: Mapping[str, Any] | None = None,
    mirror: str | None = None,
    on_event: Callable[[str], None] | None = None,
) -> Split:
    """The step before training: prepare ``dataset`` if needed (it may download), then load its split.

    The runner and the CLI call it before they train; training itself only reads (``load_split``).
    """
    get_scenario(scenario)  # fail on a bad name before any download
    home = store.data_home(data_dir)
    try:
        prepare_dataset(dataset, data_dir=data_dir, preprocess=preprocess, mirror=mirror, on_event=on_event)
        return load_split(
            dataset, scenario, seed, data_dir=data_dir, preprocess=preprocess, on_event=on_event
        )
    except OSError as exc:  # a data home that is full, read-only or a file: no run can use it
        raise unusable_home(home, dataset, exc) from None


def load_split(
    dataset: str,
    scenario: str,
    seed: int,
    *,
    data_dir: Path | None = None,
    preprocess: Mapping[str, Any] | None = None,
    on_event: Callable[[str], None] | None = None,
) -> Split:
    """The cached (scenario, seed) split of the prepared ``dataset``, built and cached on first use.

    It never downloads or prepares: a dataset that is not prepared is a DataError naming the
    command that prepares it (``prepare_split`` is the step that does).
    """
    get_scenario(scenario)
    prepared = prepared_folder(dataset, data_dir=data_dir, preprocess=preprocess)
    meta = store.read_meta(prepared)
    n_users, n_items = meta["stats"]["users"], meta["stats"]["items"]
    options = split_options(preprocess, scenario)  # split options ride along with the preprocessing
    parquet, diag_path = cache_paths(prepared, scenario, seed, options)
    # ``splits/`` is the one folder of a prepared dataset not built by ``store``: a link there must
    # not lead the split files out of the data home.
    store.within(store.data_home(data_dir), parquet)
    cached = read_cache(parquet, diag_path)
    # A given split cached before its cold rows were counted is built again: the same parts, with the counts.
    if cached is not None and (scenario != "given" or "cold_users" in cached[1]):
        return Split(dataset, scenario, int(seed), n_users, n_items, *cached[0], diagnostics=cached[1])
    if on_event:
        on_event(f"building {scenario} split of {dataset} (seed {seed})")
    split = build_split(
        read_interactions(prepared, dataset),
        scenario,
        seed,
        dataset=dataset,
        n_users=n_users,
        n_items=n_items,
        options=options,
    )
    write_cache(parquet, diag_path, split)
    return split
