"""A fabricated results directory with known values, shared by the report and plot tests.

Suite ``golden``: dataset ``ml`` under ``iid`` and ``temporal``, backbone ``mf``, losses bpr, sl and
talos, seeds 1-3. Talos beats SL by exactly 0.1 precision@20 for every user and seed (significant);
per-user recall@20 of talos and SL are identical (never significant) while SL has the best mean recall.
bpr/temporal has one completed, one failed and one missing seed. talos/iid was tuned over k in
{20, 50, 100}: two trials (with an absurd test value that must never reach the accuracy table) and
the chosen k=50, stored as seed 1's final run.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from talosbench import results
from talosbench.config import RunConfig, RunResult

SEEDS = (1, 2, 3)
USERS = 40
PRECISION = {  # (scenario, loss) -> per-seed test precision@20
    ("iid", "talos"): (0.30, 0.31, 0.32),
    ("iid", "sl"): (0.20, 0.21, 0.22),
    ("iid", "bpr"): (0.10, 0.11, 0.12),
    ("temporal", "talos"): (0.20, 0.21, 0.22),
    ("temporal", "sl"): (0.18, 0.19, 0.20),
    ("temporal", "bpr"): (0.05, None, None),
}
RECALL = {"talos": (0.50, 0.56, 0.53), "sl": (0.55, 0.54, 0.56), "bpr": (0.40, 0.41, 0.42)}
VALID = {"talos": 0.2, "sl": 0.2, "bpr": 0.1}  # precision@20 on validation: SL, not BPR, is the opponent
SECONDS = {"talos": 1.2, "sl": 1.0, "bpr": 0.5}
SLOPE = {"talos": 0.012, "sl": 0.01, "bpr": 0.006}
SPLITS = {
    "iid": {"test_users": 120, "popularity_kl": 0.01},
    "temporal": {"test_users": 100, "popularity_kl": 0.25},
}


def per_user(loss: str, seed: int) -> pl.DataFrame:
    """Talos = SL + 0.1 on precision for every user; recall identical between talos and SL."""
    users = list(range(USERS))
    base = [((u * 7 + seed) % 10) / 20 for u in users]
    shift = {"talos": 0.1, "sl": 0.0, "bpr": -0.05}[loss]
    return pl.DataFrame(
        {
            "user": users,
            "precision@20": [b + shift for b in base],
            "recall@20": [((u * 3 + seed) % 5) / 5 for u in users],
        }
    )


def history(loss: str, seed: int, epochs: int = 20) -> pl.DataFrame:
    """Validation every 5 epochs; talos also logs its thresholds."""
    rows = []
    for epoch in range(1, epochs + 1):
        evaluated = epoch % 5 == 0
        rows.append(
            {
                "epoch": epoch,
                "train_loss": 2.0 / epoch + seed * 0.01,
                "train_seconds": SECONDS[loss],
                "eval_seconds": 0.1 if evaluated else None,
                "valid_precision@20": (0.1 + SLOPE[loss] * epoch + 0.005 * seed) if evaluated else None,
            }
        )
    frame = pl.DataFrame(
        rows, schema_overrides={"eval_seconds": pl.Float64, "valid_precision@20": pl.Float64}
    )
    if loss == "talos":
        # Named as the trainer writes them: measured at each validation, null in between.
        evaluated = pl.col("valid_precision@20").is_not_null()
        frame = frame.with_columns(
            pl.when(evaluated).then(0.5 / pl.col("epoch").cast(pl.Float64)).alias("valid_threshold_error"),
            pl.when(evaluated).then(pl.col("epoch") * 0.01).alias("valid_mean_threshold"),
        )
    return frame


def write(root: Path, scenario: str, loss: str, seed: int, **options: object) -> None:
    """Store one fabricated run."""
    params = dict(options.get("params", {}))  # type: ignore[call-overload]
    config = RunConfig(dataset="ml", scenario=scenario, loss=loss, seed=seed, loss_params=params)
    status = str(options.get("status", "completed"))
    ok = status == "completed"
    precision = options.get("precision")
    recall = RECALL[loss][seed - 1]
    result = RunResult(
        status=status,
        test={"precision@20": precision, "recall@20": recall} if ok else {},
        best_valid={"precision@20": float(options.get("valid", VALID[loss])), "recall@20": recall}
        if ok
        else {},
        best_epoch=10 + seed if ok else None,
        epochs=20,
        history=history(loss, seed),
        per_user=per_user(loss, seed) if ok else pl.DataFrame(),
        timings={
            "train_seconds_per_epoch": SECONDS[loss],
            "train_seconds_total": SECONDS[loss] * 20,
            "eval_seconds": 0.1,
            "wall_seconds": 30.0,
        },
        memory={"host_peak_bytes": 200 * 2**20, "device_peak_bytes": 100 * 2**20},
        thresholds={"threshold_error": 0.02, "mean_threshold": 0.2} if loss == "talos" else {},
        error=None if ok else "boom",
        split=SPLITS[scenario],
    )
    role = str(options.get("role", "final"))
    suite = str(options.get("suite", "golden"))
    directory = results.run_dir(root, suite, config.run_id)
    cell = {"dataset": "ml", "scenario": scenario, "backbone": "mf", "loss": loss}
    results.write_run(
        directory, config, result, suite=suite, cell=cell, role=role, tuning=options.get("tuning")
    )


@pytest.fixture(scope="session")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite directory of the fabricated results."""
    root = tmp_path_factory.mktemp("runs")
    tuning = {"point": {"k": 50}, "budget": 3}
    for (scenario, loss), values in PRECISION.items():
        for seed, value in zip(SEEDS, values, strict=True):
            if value is None and seed == 3:
                continue  # missing entirely: the runner never got to it
            status = "completed" if value is not None else "failed"
            extra = {"tuning": tuning, "params": {"k": 50}} if (scenario, loss) == ("iid", "talos") else {}
            write(root, scenario, loss, seed, precision=value, status=status, **extra)
    # As the runner does, the chosen point (k=50) is stored once, as seed 1's final run.
    for k, valid in ((20, 0.15), (100, 0.18)):
        trial = {"point": {"k": k}, "budget": 3}
        write(
            root, "iid", "talos", 1, precision=0.99, valid=valid, role="trial", tuning=trial, params={"k": k}
        )
    # An unfinished run (no completion marker) that must be ignored.
    (root / "golden" / "unfinished").mkdir()
    (root / "golden" / "unfinished" / "config.json").write_text("{}")
    return root / "golden"
