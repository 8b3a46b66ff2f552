"""The training loop of one run: sample, score, step; validate, stop early; test the best snapshot.

It reads top to bottom in the order things happen (docs/protocol.md §4). Nothing inside an epoch
copies data to the host: the epoch loss is accumulated on the device and read once per epoch, which
is also when divergence is detected.

Public: ``fit`` (one run), and the steps it is made of, ``build`` (-> ``Parts``, in ``train.parts``),
``train_epoch`` and ``run_evaluation``, which ``talosbench.bench`` times so that it measures exactly what
a run executes; the best epoch's state is kept as a ``train.snapshot``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import torch

from talosbench.config import RunConfig, RunResult
from talosbench.data.split import Split
from talosbench.declared.metrics import METRICS
from talosbench.device import device_name, synchronize
from talosbench.metrics import EvalResult, evaluate
from talosbench.train.limits import out_of_memory
from talosbench.train.memory import peak_host_bytes
from talosbench.train.parts import Parts, build, seeded
from talosbench.train.snapshot import flatten, restore, snapshot

EpochCallback = Callable[[dict[str, Any]], None]
"""Progress of a run: ``{"epoch", "epochs", "train_loss", "valid"}`` after each epoch and validation, and
``{"epoch", "epochs", "batch", "batches"}`` within an epoch (at most every ``BATCH_REPORT_SECONDS``)."""
BatchCallback = Callable[[int, int], None]
"""Called after each batch with (batches done, batches in the epoch): plain integers, no device value."""

PruneCallback = Callable[[int, float], bool]
"""Whether a run stops now as ``pruned``, given its epochs completed and its validation metric there (a
tuning trial's pruner, ``runner.prune``); asked at each validation that does not end the run anyway."""

BATCH_REPORT_SECONDS = 0.25
"""Least time between two in-epoch progress reports: a worker's reports cross a process queue."""


class Diverged(RuntimeError):
    """The training loss became NaN or infinite."""

    def __init__(self, epoch: int, value: float) -> None:
        super().__init__(f"training loss became {value} in epoch {epoch}; try a smaller lr or temperature")
        self.epoch = epoch


def metric_names(ks: Sequence[int]) -> list[str]:
    return [f"{m}@{k}" for k in ks for m in METRICS]


def eval_ks(config: RunConfig) -> tuple[int, ...]:
    """Requested cut-offs plus the one the validation metric needs."""
    k = int(config.valid_metric.split("@")[1])
    return tuple(sorted(set(config.ks) | {k}))


def train_epoch(
    parts: Parts,
    config: RunConfig,
    generator: torch.Generator,
    adversarial: bool,
    on_batch: BatchCallback | None = None,
) -> float:
    """One pass over the shuffled training rows; returns the logged (main) loss of docs/protocol.md §4.2.

    ``on_batch`` hears the batch count only: reading the loss there would wait for the device each batch.
    """
    backbone, loss = parts.backbone, parts.loss
    backbone.train()
    n_rows = parts.train_users.numel()
    order = torch.randperm(n_rows, generator=generator, device=parts.train_users.device)
    total = torch.zeros((), device=parts.train_users.device)
    batches = -(-n_rows // config.batch_size)
    for index, start in enumerate(range(0, n_rows, config.batch_size)):
        rows = order[start : start + config.batch_size]
        users, pos_items = parts.train_users[rows], parts.train_items[rows]
        neg_items = parts.sampler.sample(users, parts.negatives)
        user_reps, item_reps = backbone()  # graph propagation: once per batch
        batch = parts.scorer.score(
            user_reps,
            item_reps,
            users,
            pos_items,
            neg_items,
            need_all_pos=loss.declared.needs_positive_scores,
        )
        terms = loss(batch)
        aux = backbone.aux_loss(users, pos_items)
        if adversarial:
            # Ascent on the loss w.r.t. the adversary's tables only (docs/protocol.md §2.5).
            assert parts.adversary is not None
            parts.adversary.zero_grad(set_to_none=True)
            objective = -terms.main if aux is None else aux - terms.main
            objective.backward()
            parts.adversary.step()
        else:
            parts.optimizer.zero_grad(set_to_none=True)
            objective = terms.total if aux is None else terms.total + aux
            objective.backward()
            loss.before_step()
            parts.optimizer.step()
        total += terms.main.detach()
        if on_batch is not None:
            on_batch(index + 1, batches)
    # The reference divides by floor(rows / batch) + 1 batches (docs/protocol.md §4.2).
    return float(total) / (n_rows // config.batch_size + 1)


@torch.no_grad()
def run_evaluation(parts: Parts, config: RunConfig, heldout: str) -> EvalResult:
    """Full ranking on ``valid`` (masking train) or ``test`` (masking train and valid)."""
    parts.backbone.eval()
    user_reps, item_reps = parts.backbone()  # graph propagation: once per evaluation pass
    target, known = (
        (parts.valid, [parts.train]) if heldout == "valid" else (parts.test, [parts.train, parts.valid])
    )
    thresholds = parts.loss.thresholds() if parts.threshold_k else None
    return evaluate(
        user_reps,
        item_reps,
        normalize=parts.normalize,
        heldout=target,
        known=known,
        ks=eval_ks(config),
        block_size=config.eval_batch,
        threshold_k=parts.threshold_k if thresholds is not None else None,
        thresholds=thresholds,
    )


def fit(
    split: Split,
    config: RunConfig,
    device: torch.device,
    on_epoch: EpochCallback | None = None,
    prune: PruneCallback | None = None,
) -> RunResult:
    """Train ``config`` on ``split`` until early stopping or the epoch cap and test the best snapshot.

    With ``config.save_model`` the tested snapshot's tensors (on the host) go into ``RunResult.model``.

    ``prune`` may stop it at a validation: status ``pruned``, the best snapshot so far tested as usual.
    A NaN/infinite loss ends the run with status ``diverged``; running out of device memory ends it
    with ``oom``. Both still report the test metrics of the best snapshot if one was taken.
    Model selection starts from minus infinity rather than the reference's 0, so a first snapshot
    always exists; improvement is strict, as in the reference.
    """
    wall_start = time.perf_counter()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    parts = build(split, config, device)
    shuffle = seeded(config.seed, 4, device)
    valid_key = config.valid_metric

    history: list[dict[str, Any]] = []
    best_value, best_epoch, best_state, best_valid = -math.inf, None, None, {}
    patience, adversarial_done, epoch = 0, 0, 0
    status, error = "completed", None

    def validate(completed: int) -> bool:
        """Validate after ``completed`` epochs; returns True when patience has run out or it is pruned."""
        nonlocal best_value, best_epoch, best_state, best_valid, patience, status
        t0 = time.perf_counter()
        result = run_evaluation(parts, config, "valid")
        synchronize(device)
        row = history[-1] if history and history[-1]["epoch"] == completed else None
        if row is not None:
            row["eval_seconds"] = time.perf_counter() - t0
            row.update({f"valid_{k}": v for k, v in (result.means | result.diagnostics).items()})
        value = result.means[valid_key]
        if value > best_value:
            best_value, best_epoch, best_valid, patience = value, completed, dict(result.means), 0
            best_state = snapshot(parts)
        else:
            patience += 1
        if on_epoch is not None:
            on_epoch({"epoch": completed, "epochs": config.epochs, "valid": dict(result.means)})
        if patience >= config.patience:
            return True
        if prune is not None and completed < config.epochs and prune(completed, value):
            status = "pruned"
            return True
        return False

    try:
        for epoch in range(config.epochs):
            # Validation happens before epoch e when e > 0 and e % eval_every == 0 (docs/protocol.md §4.4).
            if epoch > 0 and epoch % config.eval_every == 0 and validate(epoch):
                break
            adversarial_seconds = None
            if parts.adversary is not None and parts.loss.adversarial_epoch_due(epoch, adversarial_done):
                adversarial_seconds = _timed_epoch(parts, config, shuffle, device, adversarial=True)[1]
                adversarial_done += 1
            on_batch = _batch_reporter(on_epoch, epoch + 1, config.epochs) if on_epoch is not None else None
            train_loss, seconds = _timed_epoch(parts, config, shuffle, device, False, on_batch)
            row: dict[str, Any] = {"epoch": epoch + 1, "train_loss": train_loss, "train_seconds": seconds}
            if parts.adversary is not None:  # a column of its own: train_seconds stays one normal epoch
                row["adversarial_seconds"] = adversarial_seconds
            history.append(row)
            if on_epoch is not None:
                on_epoch(
                    {"epoch": epoch + 1, "epochs": config.epochs, "train_loss": train_loss, "valid": None}
                )
            if not math.isfinite(train_loss):
                raise Diverged(epoch + 1, train_loss)
        else:
            # The cap was hit: validate the final model too, so its epochs can win selection.
            validate(config.epochs)
    except Diverged as exc:
        status, error = "diverged", str(exc)
    except Exception as exc:
        if not out_of_memory(exc):  # the CPU allocator's failure is a RuntimeError, CUDA's its own type
            raise
        status, error = "oom", f"out of device memory in epoch {epoch + 1}: {exc}".splitlines()[0]

    result = RunResult(
        status=status,
        error=error,
        epochs=len(history),
        device=device_name(device),
        threads=torch.get_num_threads(),  # the run's own process: a worker's, set by the executor
    )
    result.history = _history_frame(history, config)
    if best_state is not None:
        restore(parts, best_state)
        t0 = time.perf_counter()
        test = run_evaluation(parts, config, "test")
        synchronize(device)
        test_seconds = time.perf_counter() - t0
        result.test = {k: v for k, v in test.means.items() if "@" in k}
        result.thresholds = {k: v for k, v in test.means.items() if "@" not in k}
        result.per_user = pl.DataFrame(
            {"user": test.users.cpu().numpy(), **{k: v.cpu().numpy() for k, v in test.per_user.items()}}
        )
        result.best_valid, result.best_epoch = best_valid, best_epoch
        if config.save_model:
            result.model = flatten(best_state)
    else:
        test_seconds = float("nan")
    eval_seconds = [row["eval_seconds"] for row in history if row.get("eval_seconds") is not None]
    result.timings = {
        **_train_timings(history, adversarial=parts.adversary is not None),
        "eval_seconds": statistics.median(eval_seconds) if eval_seconds else test_seconds,
        "wall_seconds": time.perf_counter() - wall_start,
    }
    result.memory = {
        "host_peak_bytes": peak_host_bytes(),
        "device_peak_bytes": float(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else 0.0,
    }
    result.split = dict(split.diagnostics)
    return result


def _batch_reporter(on_epoch: EpochCallback, epoch: int, epochs: int) -> BatchCallback:
    """Pass batch counts on to ``on_epoch`` at most every ``BATCH_REPORT_SECONDS`` (an epoch shorter than
    that reports nothing in between: its end is reported anyway)."""
    last = time.perf_counter()

    def report(done: int, batches: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last >= BATCH_REPORT_SECONDS:
            last = now
            on_epoch({"epoch": epoch, "epochs": epochs, "batch": done, "batches": batches})

    return report


def _timed_epoch(
    parts: Parts,
    config: RunConfig,
    generator: torch.Generator,
    device: torch.device,
    adversarial: bool,
    on_batch: BatchCallback | None = None,
) -> tuple[float, float]:
    """One ``train_epoch`` and its device-synchronised seconds (queued kernels finish inside the timing)."""
    synchronize(device)
    t0 = time.perf_counter()
    train_loss = train_epoch(parts, config, generator, adversarial=adversarial, on_batch=on_batch)
    synchronize(device)
    return train_loss, time.perf_counter() - t0


def _train_timings(history: list[dict[str, Any]], adversarial: bool) -> dict[str, float]:
    """Seconds per training epoch and in all; a loss with adversarial epochs pays for them too.

    The per-epoch figure is what the paper's Table F.1 compares: the cost of one epoch of training.
    AdvInfoNCE's adversarial epochs (docs/protocol.md §2.5) are training as well, so their seconds
    are spread over the run's epochs: median normal epoch + adversarial total / epochs. A median
    taken over rows that include them would hide them (they precede few epochs) and so would a
    figure that leaves them out; the total counts every one.
    """
    train = [row["train_seconds"] for row in history]
    timings = {
        "train_seconds_per_epoch": statistics.median(train) if train else float("nan"),
        "train_seconds_total": sum(train),
    }
    if adversarial:  # other losses keep exactly the figures (and keys) they always had
        spent = sum(row["adversarial_seconds"] or 0.0 for row in history)
        timings["train_seconds_per_epoch"] += spent / len(train) if train else 0.0
        timings["train_seconds_total"] += spent
        timings["adversarial_seconds_total"] = spent
    return timings


def _history_frame(history: list[dict[str, Any]], config: RunConfig) -> pl.DataFrame:
    """Per-epoch rows with a fixed column set (validation columns null where not evaluated)."""
    columns = ["epoch", "train_loss", "train_seconds", "eval_seconds"]
    columns += [f"valid_{name}" for name in metric_names(eval_ks(config))]
    for row in history:
        for key in row:
            if key not in columns:
                columns.append(key)
    schema = {name: (pl.Int64 if name == "epoch" else pl.Float64) for name in columns}
    return pl.DataFrame([{name: row.get(name) for name in columns} for row in history], schema=schema)
