"""The training loop: determinism, early stopping, the epoch cap, divergence and learning."""

from __future__ import annotations

import math
import re
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from talosbench.config import RunConfig
from talosbench.data import DataError, prepare_split
from talosbench.data.split import Split
from talosbench.declared.base import LossDeclaration
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.losses import LOSSES
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.metrics import THRESHOLD_VARIANTS, EvalResult
from talosbench.train import trainer
from talosbench.train.trainer import fit

TINY = {"n_users": 150, "n_items": 90, "n_interactions": 4000}
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Split:
    return prepare_split("synthetic", "iid", 0, data_dir=tmp_path_factory.mktemp("data"), preprocess=TINY)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Split:
    """The generator's default size: about 950 users, 490 items and 29k interactions."""
    return prepare_split("synthetic", "iid", 0, data_dir=tmp_path_factory.mktemp("data"))


def config(**overrides: object) -> RunConfig:
    base = dict(
        dataset="synthetic", loss="talos", negatives=16, epochs=3, eval_every=1, patience=3, device="cpu"
    )
    base.update(overrides)
    return RunConfig(**base)  # type: ignore[arg-type]


def test_same_seed_gives_identical_metrics(tiny: Split) -> None:
    first = fit(tiny, config(seed=7), CPU)
    second = fit(tiny, config(seed=7), CPU)
    assert first.status == second.status == "completed"
    assert first.test == second.test
    assert first.history["train_loss"].to_list() == second.history["train_loss"].to_list()


def test_different_seeds_give_different_training(tiny: Split) -> None:
    first = fit(tiny, config(seed=1), CPU)
    second = fit(tiny, config(seed=2), CPU)
    assert first.history["train_loss"].to_list() != second.history["train_loss"].to_list()


def test_epoch_cap_still_tests_the_best_snapshot(tiny: Split) -> None:
    result = fit(tiny, config(epochs=3, eval_every=5), CPU)
    assert result.epochs == 3
    assert result.best_epoch == 3  # the only validation ran after the cap
    assert set(result.test) >= {"precision@20", "recall@20", "ndcg@20", "mrr@20", "hit@20"}
    assert result.per_user.height == tiny.test["user"].n_unique()


def test_early_stopping_counts_validations_without_strict_improvement(tiny: Split) -> None:
    # With lr = 0 nothing moves, so the second validation is not a strict improvement.
    result = fit(tiny, config(lr=0.0, epochs=50, eval_every=1, patience=1), CPU)
    assert result.status == "completed"
    assert result.epochs == 2
    assert result.best_epoch == 1


def test_a_pruned_run_stops_at_the_validation_that_prunes_it_and_tests_its_best(tiny: Split) -> None:
    asked: list[tuple[int, float]] = []

    def prune(epoch: int, value: float) -> bool:
        asked.append((epoch, value))
        return epoch == 4

    result = fit(tiny, config(epochs=10, eval_every=2, patience=5), CPU, prune=prune)
    assert result.status == "pruned" and result.error is None
    assert result.epochs == 4 and [epoch for epoch, _ in asked] == [2, 4]
    assert [v for _, v in asked] == result.history["valid_precision@20"].drop_nulls().to_list()
    assert result.best_epoch in (2, 4) and set(result.test) >= {"precision@20", "ndcg@20"}


def test_the_pruner_is_not_asked_where_the_run_ends_anyway(tiny: Split) -> None:
    asked: list[int] = []
    result = fit(
        tiny, config(epochs=3, eval_every=1, patience=3), CPU, prune=lambda e, v: asked.append(e) or False
    )
    assert result.status == "completed" and asked == [1, 2]  # not at the cap's validation after epoch 3
    stopped = fit(tiny, config(lr=0.0, epochs=50, eval_every=1, patience=1), CPU, prune=lambda e, v: True)
    assert stopped.status == "pruned" and stopped.epochs == 1  # pruned at the first validation
    early = fit(tiny, config(lr=0.0, epochs=50, eval_every=1, patience=1), CPU, prune=lambda e, v: e > 1)
    assert early.status == "completed" and early.epochs == 2  # patience ran out first: not pruned


def test_history_has_one_row_per_epoch_and_validation_columns(tiny: Split) -> None:
    result = fit(tiny, config(epochs=4, eval_every=2), CPU)
    history = result.history
    assert history["epoch"].to_list() == [1, 2, 3, 4]
    evaluated = history.filter(history["valid_precision@20"].is_not_null())["epoch"].to_list()
    assert evaluated == [2, 4]
    assert history["train_seconds"].min() > 0
    assert math.isfinite(result.timings["train_seconds_per_epoch"])


def test_thresholded_loss_reports_threshold_error(tiny: Split) -> None:
    result = fit(tiny, config(loss="talos"), CPU)
    assert set(result.thresholds) == {"threshold_error", "mean_threshold", "mean_pos_score", "mean_neg_score"}
    assert result.thresholds["threshold_error"] >= 0
    # The variants are logged per validation in the history only: what the run stores of its test
    # and of its best validation keeps its keys.
    columns = [f"valid_{name}" for name in THRESHOLD_VARIANTS]
    assert set(columns) <= set(result.history.columns)
    assert (
        result.history.filter(result.history["valid_threshold_error"].is_not_null())[columns]
        .null_count()
        .sum_horizontal()
        .item()
        == 0
    )
    assert not set(THRESHOLD_VARIANTS) & set(result.best_valid)


def test_test_thresholds_come_from_the_best_snapshot_not_the_last_epoch(
    tiny: Split, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first validation is made the best; the test must see the beta of that moment, not the last."""
    seen: dict[str, list[torch.Tensor]] = {"valid": [], "test": []}
    real = trainer.run_evaluation

    def spy(parts: trainer.Parts, config: RunConfig, heldout: str) -> EvalResult:
        result = real(parts, config, heldout)
        seen[heldout].append(parts.loss.thresholds().clone())
        if heldout == "valid":  # strictly worse at every later validation: epoch 1 is selected
            result.means[config.valid_metric] = -float(len(seen["valid"]))
        return result

    monkeypatch.setattr(trainer, "run_evaluation", spy)
    result = fit(tiny, config(loss="talos", epochs=4, eval_every=1, patience=10), CPU)
    assert result.best_epoch == 1 and result.epochs == 4
    at_best, at_last, tested = seen["valid"][0], seen["valid"][-1], seen["test"][0]
    assert not torch.equal(at_best, at_last)  # the thresholds did move after the selected epoch
    assert torch.equal(tested, at_best)
    test_users = torch.tensor(tiny.test["user"].unique().to_numpy())
    assert result.thresholds["mean_threshold"] == pytest.approx(float(at_best[test_users].mean()))


def test_adversarial_epochs_count_in_the_training_time(tiny: Split, monkeypatch: pytest.MonkeyPatch) -> None:
    """AdvInfoNCE's adversarial epochs (here each made 0.3 s slower) are timed and paid for per epoch."""
    real, pause = trainer.train_epoch, 0.3

    def slow_adversary(
        parts: trainer.Parts,
        config: RunConfig,
        generator: torch.Generator,
        adversarial: bool,
        on_batch: trainer.BatchCallback | None = None,
    ) -> float:
        if adversarial:
            time.sleep(pause)
        return real(parts, config, generator, adversarial, on_batch)

    monkeypatch.setattr(trainer, "train_epoch", slow_adversary)
    params = {"adv_interval": 1, "adv_epochs": 2}  # before epochs 2 and 3 (counted from 1)
    result = fit(tiny, config(loss="advinfonce", epochs=4, loss_params=params), CPU)
    history, timings = result.history, result.timings
    adversarial = history["adversarial_seconds"].to_list()
    assert [value is not None for value in adversarial] == [False, True, True, False]
    assert all(value >= pause for value in adversarial if value is not None)
    train = history["train_seconds"].to_list()
    spent = sum(value for value in adversarial if value is not None)
    assert timings["adversarial_seconds_total"] == pytest.approx(spent)
    assert timings["train_seconds_total"] == pytest.approx(sum(train) + spent)
    assert timings["train_seconds_per_epoch"] == pytest.approx(statistics.median(train) + spent / 4)


def test_losses_without_adversary_keep_their_timing_keys(tiny: Split) -> None:
    result = fit(tiny, config(loss="sl", epochs=2), CPU)
    assert "adversarial_seconds" not in result.history.columns
    assert set(result.timings) == {
        "train_seconds_per_epoch",
        "train_seconds_total",
        "eval_seconds",
        "wall_seconds",
    }
    train = result.history["train_seconds"].to_list()
    assert result.timings["train_seconds_per_epoch"] == statistics.median(train)


class _ExplodingLoss(Loss):
    """SL that turns into NaN from its 8th call on, as a diverging run would."""

    declared = LossDeclaration(name="test-exploding")

    def __init__(self, n_users: int, n_items: int, generator: torch.Generator | None = None) -> None:
        super().__init__(n_users, n_items, generator)
        self.calls = 0

    def forward(self, batch: ScoreBatch) -> LossTerms:
        self.calls += 1
        value = (torch.logsumexp(batch.neg / 0.1, dim=1) - batch.pos / 0.1).mean()
        return LossTerms(main=value * (math.nan if self.calls >= 8 else 1.0))


def test_divergence_ends_the_run_with_status_and_keeps_the_best_snapshot(
    tiny: Split, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(DECLARED_LOSSES._items, "test-exploding", _ExplodingLoss.declared)
    monkeypatch.setitem(LOSSES._items, "test-exploding", _ExplodingLoss)
    result = fit(tiny, config(loss="test-exploding", epochs=20, eval_every=1, patience=50), CPU)
    assert result.status == "diverged"
    assert "epoch" in (result.error or "")
    assert result.epochs < 20
    assert result.test  # the snapshot taken before the loss exploded is still tested


def most_popular_recall(split: Split, k: int = 20) -> float:
    """Recall@k of ranking every user's unseen items by training popularity (independent reference)."""
    popularity = np.bincount(split.train["item"].to_numpy(), minlength=split.n_items).astype(float)
    order = np.lexsort((np.arange(split.n_items), -popularity))
    known: dict[int, set[int]] = {}
    for frame in (split.train, split.valid):
        for u, i in zip(frame["user"].to_list(), frame["item"].to_list(), strict=True):
            known.setdefault(u, set()).add(i)
    heldout: dict[int, set[int]] = {}
    for u, i in zip(split.test["user"].to_list(), split.test["item"].to_list(), strict=True):
        heldout.setdefault(u, set()).add(i)
    recalls = []
    for u, items in heldout.items():
        top = [i for i in order if i not in known.get(u, set())][:k]
        recalls.append(len(items.intersection(top)) / len(items))
    return float(np.mean(recalls))


FAST_LOSSES = ["sl", "talos"]
# BPR on raw dot products learns slowly from the reference's N(0, 1) initialisation; with a smaller
# one and light decay it clears the popularity baseline within the same budget.
# Any other loss learns with the defaults of ``_check_learns``; BPR also keeps its one negative.
SETTINGS: dict[str, dict[str, object]] = {
    "bpr": {
        "lr": 1e-2,
        "weight_decay": 1e-4,
        "backbone_params": {"init_std": 0.1},
        "epochs": 60,
        "negatives": None,
    },
    "neuralndcg": {"negatives": 32},  # its memory grows with the square of the list length
}


@pytest.mark.parametrize("loss", FAST_LOSSES)
def test_loss_beats_most_popular(small: Split, loss: str) -> None:
    _check_learns(small, loss)


@pytest.mark.slow
@pytest.mark.parametrize("loss", sorted(set(LOSSES.names()) - set(FAST_LOSSES)))
def test_every_other_loss_learns(small: Split, loss: str) -> None:
    _check_learns(small, loss)


def _check_learns(split: Split, loss: str) -> None:
    settings: dict[str, object] = {"negatives": 64, "lr": 5e-2, "epochs": 30, "eval_every": 2, "patience": 3}
    settings.update(SETTINGS.get(loss, {}))
    result = fit(split, config(loss=loss, valid_metric="recall@20", **settings), CPU)
    assert result.status == "completed", result.error
    if LOSSES.get(loss).declared.beats_popularity:
        assert result.test["recall@20"] > most_popular_recall(split)
    else:  # faithful to its definition, it stays below popularity on this data (see its class)
        assert result.test["recall@20"] > 3 * random_recall(split)


def random_recall(split: Split, k: int = 20) -> float:
    """Expected recall@k of a uniformly random ranking of each user's unknown items."""
    known = split.train.vstack(split.valid.select(split.train.columns)).group_by("user").len("known")
    held = split.test.group_by("user").len("held")
    users = held.join(known, on="user", how="left").fill_null(0)
    candidates = (split.n_items - users["known"]).to_numpy()
    return float(np.mean(np.minimum(k, candidates) / candidates))


def test_run_config_records_a_crash_as_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from talosbench.train import run as run_module

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash inside training")

    monkeypatch.setattr(run_module, "fit", crash)
    cfg = config(dataset="synthetic", preprocess=TINY)
    prepare_split("synthetic", "iid", cfg.split_seed, data_dir=tmp_path, preprocess=TINY)
    result = run_module.run_config(cfg, data_dir=tmp_path)
    assert result.status == "failed"
    assert "simulated crash" in (result.error or "")


def test_run_config_never_prepares_data(tmp_path: Path) -> None:
    # Issue 12: load_split prepared (and could download) a dataset from inside a training call.
    from talosbench.train.run import run_config

    with pytest.raises(DataError, match="not prepared with n_users=150, n_items=90, n_interactions=4000"):
        run_config(config(dataset="synthetic", preprocess=TINY), data_dir=tmp_path)
    command = f"run `talosbench download synthetic --data-dir {tmp_path}`"
    with pytest.raises(DataError, match=re.escape(command)):
        run_config(config(dataset="synthetic"), data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing generated, fetched or written


def test_progress_reports_batches_within_an_epoch_without_changing_training(
    tiny: Split, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trainer, "BATCH_REPORT_SECONDS", 0.0)  # every batch, so the count is exact
    events: list[dict[str, object]] = []
    small_batches = config(epochs=2, eval_every=1, batch_size=512)
    reported = fit(tiny, small_batches, CPU, on_epoch=events.append)
    batches = math.ceil(tiny.train.height / 512)
    within = [e for e in events if "batch" in e]
    assert [(e["epoch"], e["batch"]) for e in within] == [(1, b) for b in range(1, batches + 1)] + [
        (2, b) for b in range(1, batches + 1)
    ]
    assert all(e["batches"] == batches and e["epochs"] == 2 for e in within)
    assert all(isinstance(e["batch"], int) for e in within)  # a count, never a device value
    assert fit(tiny, small_batches, CPU).test == reported.test  # listening changes nothing
