"""Imp.% and its significance: the opponent, refusals, baseline variants, direction, unit of replication.

Suite ``mixed``: dataset ``ml`` under ``iid`` and ``temporal``, backbone ``mf``, seeds 1-3, baseline
``talos@20``. Per-user values are a common level plus a fixed shift per loss, so every difference is
significant and its direction is known. ``talos@50`` (the baseline's own loss at another K) and
``talos-no-quantile`` (its ablation) are better than everything but are never opponents. Under iid,
``bsl`` lost its third seed and its partial precision beats ``sl``, the best complete cell: the precision
comparison is refused. Under temporal every cell completed.

Suite ``clustered``: talos against sl where every user gains a little in every seed but the whole model
moves more from seed to seed: a test over users would mark it, the test over runs does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench import results
from talosbench.cli import app
from talosbench.config import RunConfig, RunResult
from talosbench.report import build_tables, report

SEEDS = (1, 2, 3)
USERS = 60  # the clustered suite uses the first 40
GRID = {  # label -> registered loss, its parameters, precision shift, recall shift
    "bpr": ("bpr", {}, 0.00, 0.00),
    "sl": ("sl", {}, 0.10, 0.20),
    "bsl": ("bsl", {}, 0.16, 0.12),
    "talos@50": ("talos", {"k": 50}, 0.30, 0.30),
    "talos-no-quantile": ("talos-no-quantile", {}, 0.25, 0.25),
    "talos@20": ("talos", {"k": 20}, 0.14, 0.15),
}
LOST = {("iid", "bsl", 3)}  # (scenario, label, seed) that failed
BONUS = {("temporal", "talos@20"): 0.05}  # precision: under temporal the baseline beats bsl


def _per_user(scenario: str, label: str, seed: int) -> pl.DataFrame:
    level = [((u * 7 + seed) % 10) / 20 for u in range(USERS)]
    _, _, precision, recall = GRID[label]
    precision += BONUS.get((scenario, label), 0.0)
    return pl.DataFrame(
        {
            "user": range(USERS),
            "precision@20": [v + precision for v in level],
            "recall@20": [v + recall for v in level],
        }
    )


def _write(root: Path, suite: str, scenario: str, label: str, seed: int, users: pl.DataFrame) -> None:
    """Store one run of grid label ``label``; failed when in LOST."""
    loss, params, _, _ = GRID[label]
    config = RunConfig(dataset="ml", scenario=scenario, loss=loss, seed=seed, loss_params=params)
    ok = (scenario, label, seed) not in LOST
    means = {m: float(users[m].mean()) for m in ("precision@20", "recall@20")}
    result = RunResult(
        status="completed" if ok else "failed",
        test=means if ok else {},
        best_valid=means if ok else {},  # validation ranks the losses as test does
        best_epoch=10 if ok else None,
        epochs=20,
        history=pl.DataFrame({"epoch": [1], "train_loss": [1.0], "train_seconds": [1.0]}),
        per_user=users if ok else pl.DataFrame(),
        timings={"train_seconds_per_epoch": 1.0, "train_seconds_total": 20.0, "wall_seconds": 30.0},
        error=None if ok else "boom",
    )
    cell = {"dataset": "ml", "scenario": scenario, "backbone": "mf", "loss": label}
    directory = results.run_dir(root, suite, config.run_id)
    results.write_run(directory, config, result, suite=suite, cell=cell)


def mixed_suite(root: Path) -> Path:
    """Write the suite under ``root``; its directory."""
    for scenario in ("iid", "temporal"):
        for label in GRID:
            for seed in SEEDS:
                _write(root, "mixed", scenario, label, seed, _per_user(scenario, label, seed))
    return root / "mixed"


@pytest.fixture(scope="module")
def imp_row(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str]:
    suite = mixed_suite(tmp_path_factory.mktemp("runs"))
    args = ["report", str(suite), "--table", "accuracy", "--baseline", "talos@20"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "| Imp.%" in line)
    return [cell.strip() for cell in line.strip("|").split("|")], result.stdout


def test_better_incomplete_cell_refuses_the_comparison(imp_row: tuple[list[str], str]) -> None:
    cells, text = imp_row
    assert cells[2] == "– (bsl incomplete)"  # iid precision: bsl (2/3 seeds) beats sl, the best complete
    assert "the comparison is refused" in text


def test_opponent_is_named_and_direction_shown(imp_row: tuple[list[str], str]) -> None:
    cells, _ = imp_row
    # iid recall: bsl's partial mean is below sl's, so sl is the opponent; talos@20 is worse.
    assert cells[3].startswith("-") and cells[3].endswith("↓* vs sl")
    # temporal precision: every cell complete; bsl is the best other and talos@20 beats it.
    assert cells[4].startswith("+") and cells[4].endswith("↑* vs bsl")
    assert cells[5].endswith("↓* vs sl")


def test_variants_of_the_baseline_are_not_opponents(imp_row: tuple[list[str], str]) -> None:
    cells, text = imp_row
    assert not any("talos" in cell for cell in cells[2:])
    assert "Variants of talos@20 are not opponents: talos-no-quantile, talos@50." in text


def test_incomplete_baseline_is_refused_and_other_losses_variants_compete(tmp_path: Path) -> None:
    suite = mixed_suite(tmp_path)
    text = report(suite, tables=["accuracy"], baseline="bsl")
    line = next(line for line in text.splitlines() if "| Imp.%" in line)
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[2:4] == ["– (bsl incomplete)"] * 2
    assert cells[4].endswith("vs talos@50") and "Variants of" not in text


def _clustered(root: Path) -> Path:
    """talos = sl + d_u + g_s: d_u > 0 for every user, g_s a whole-model seed shift summing to zero."""
    d = [0.001 + ((u * 7) % 11) / 10000 for u in range(40)]
    for seed, g in zip(SEEDS, (0.01, -0.01, 0.0), strict=True):
        sl = _per_user("iid", "sl", seed).head(40)
        shifted = [v + du + g for v, du in zip(sl["precision@20"], d, strict=True)]
        talos = sl.with_columns(pl.Series("precision@20", shifted))
        _write(root, "clustered", "iid", "sl", seed, sl)
        _write(root, "clustered", "iid", "talos@20", seed, talos)
    return root / "clustered"


def test_users_never_mark(tmp_path: Path) -> None:
    # Every user is ahead under talos once averaged over the seeds, so a per-user test (pooled or on
    # per-user means) is overwhelming; the seeds' whole-model shifts dwarf the gain, and runs are the unit.
    from scipy import stats as scipy_stats

    suite = _clustered(tmp_path)
    text = report(suite, tables=["accuracy"], metrics=["precision@20"], baseline="talos@20")
    frame = results.collect(suite)
    per_user = {
        label: pl.concat([results.read_per_user(p) for p in frame.filter(loss=label)["path"]])
        .group_by("user")
        .agg(pl.col("precision@20").mean())
        .sort("user")["precision@20"]
        .to_numpy()
        for label in ("talos@20", "sl")
    }
    assert scipy_stats.wilcoxon(per_user["talos@20"], per_user["sl"]).pvalue < 1e-6
    line = next(line for line in text.splitlines() if "| Imp.%" in line)
    assert "*" not in line and "↑" not in line
    records = build_tables(frame, ["accuracy"], ["precision@20"], "talos@20")[0].records
    imp = next(r for r in records if r["loss"] == "Imp.%")
    assert imp["users"] == 40 and imp["seeds"] == 3 and imp["users_better"] == 1.0  # descriptive
    assert imp["p_holm"] > 0.5 and imp["mark"] == ""


if __name__ == "__main__":  # PYTHONPATH=$PWD python tests/report/test_imp.py DIR: write the suite there
    print(mixed_suite(Path(sys.argv[1])))
