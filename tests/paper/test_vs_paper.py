"""``talosbench report --vs-paper`` and ``talosbench paper`` on runs stored by the project's own writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from talosbench import results
from talosbench.cli import app
from talosbench.config import RunConfig, RunResult
from talosbench.report.paper import comparison_table

runner = CliRunner()
SEEDS = (1, 2)


def store(root: Path, suite: str, label: str, test: dict[str, float], **config: Any) -> None:
    """Two completed seeds of one cell whose test metrics are ``test`` (seed 2: +0.002 each)."""
    loss = config.pop("loss", label)
    thresholds = config.pop("thresholds", {})
    dataset = config.pop("dataset", "movielens-100k")
    scenario = config.pop("scenario", "iid")
    logged = config.pop("history", {})
    for seed in SEEDS:
        run = RunConfig(dataset=dataset, scenario=scenario, backbone="mf", loss=loss, seed=seed, **config)
        values = {name: value + 0.002 * (seed - 1) for name, value in test.items()}
        result = RunResult(
            status="completed",
            test=values,
            best_valid={"precision@20": 0.2},
            best_epoch=10,
            epochs=15,
            history=pl.DataFrame({"epoch": [5, 10, 15], "train_loss": [1.0, 0.5, 0.4], **logged}),
            timings={"train_seconds_per_epoch": 1.5},
            thresholds=thresholds,
        )
        cell = {"dataset": dataset, "scenario": scenario, "backbone": "mf", "loss": label}
        results.write_run(results.run_dir(root, suite, run.run_id), run, result, suite=suite, cell=cell)


@pytest.fixture(scope="module")
def ml100k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MovieLens 100K suite: Talos (1024 and 16 negatives) matches Tables A.2-A.4, BPR matches nothing."""
    root = tmp_path_factory.mktemp("runs")
    metrics = {"precision@20": 0.2300, "precision@50": 0.1502, "recall@20": 0.3000}
    store(root, "ml", "talos", metrics, thresholds={"threshold_error": 0.0070})
    store(root, "ml", "talos@16neg", metrics, loss="talos", negatives=16)
    store(root, "ml", "bpr", {"precision@20": 0.2, "precision@50": 0.1, "recall@20": 0.25})
    return root / "ml"


def test_vs_paper_puts_published_beside_measured(ml100k: Path) -> None:
    result = runner.invoke(app, ["report", str(ml100k), "--table", "accuracy", "--vs-paper"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "### Paper vs measured" in out
    lines = [line for line in out.splitlines() if line.startswith("| movielens")]
    cells = [tuple(cell.strip() for cell in line.strip("|").split("|")) for line in lines]
    assert {row[:3] for row in cells} == {("movielens-100k", "iid", "mf")}
    rows = {row[3:] for row in cells}  # loss, metric, measured, paper, difference, published in
    # measured mean of seeds 1 and 2 (0.2300, 0.2320) = 0.2310 against A.3's 0.2349: -1.66 %
    assert ("talos", "precision@20", "0.2310 ± 0.0014", "0.2349", "-1.66%", "Table A.3 Talos") in rows
    assert ("talos", "precision@50", "0.1512 ± 0.0014", "0.1600", "-5.50%", "Table A.3 Talos") in rows
    # Table A.4 does not define its error: shown beside, not compared
    not_comparable = "– (definition not published; not comparable)"
    assert (
        "talos",
        "threshold_error@20",
        "0.0070 ± 0.0000",
        "0.0059",
        not_comparable,
        "Table A.4 Talos",
    ) in rows
    # 16 negatives: Table A.2's 16-negative column; never 8 or 32
    assert ("talos@16neg", "precision@20", "0.2310 ± 0.0014", "0.2311", "-0.04%", "Table A.2 Talos") in rows
    # Table A.3's Talos trained with 1024 negatives: shown, with what differs instead of a difference
    differs = "– (negatives 16 vs 1024)"
    assert ("talos@16neg", "precision@20", "0.2310 ± 0.0014", "0.2349", differs, "Table A.3 Talos") in rows
    assert not any(row[0] == "talos" and row[-1] == "Table A.2 Talos" for row in rows)
    assert "0.2310" not in {row[3] for row in rows if row[0] == "talos@16neg"}  # the 8-negative value
    assert not any(row[0] == "bpr" for row in rows)
    unmatched = [line for line in out.splitlines() if line.startswith("Without a published counterpart")]
    assert unmatched == [
        "Without a published counterpart (3 cells): movielens-100k/iid/mf/bpr; "
        "movielens-100k/iid/mf/talos@16neg recall@20, seconds_per_epoch; "
        "movielens-100k/iid/mf/talos recall@20, seconds_per_epoch."
    ]
    assert "Settings beyond those are not compared" in out


def test_vs_paper_all_gives_every_difference_and_says_what_differs(ml100k: Path) -> None:
    result = runner.invoke(app, ["report", str(ml100k), "--table", "accuracy", "--vs-paper-all"])
    assert result.exit_code == 0, result.output
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|"))[3:]
        for line in result.stdout.splitlines()
        if line.startswith("| movielens")
    }
    assert (
        "talos",
        "threshold_error@20",
        "0.0070 ± 0.0000",
        "0.0059",
        "+18.64% (definition not published; not comparable)",
        "Table A.4 Talos",
    ) in rows
    assert (
        "talos@16neg",
        "precision@20",
        "0.2310 ± 0.0014",
        "0.2349",
        "-1.66% (negatives 16 vs 1024)",
        "Table A.3 Talos",
    ) in rows
    assert ("talos", "precision@20", "0.2310 ± 0.0014", "0.2349", "-1.66%", "Table A.3 Talos") in rows
    assert "--vs-paper-all: the relative difference is given on every row" in result.stdout


def test_errata_are_marked_beside_the_published_value(tmp_path: Path) -> None:
    """Gowalla AdvInfoNCE R@20 is printed 0.2012 in Table 3.1 and 0.2013 in Table 3.2: both say so."""
    store(tmp_path, "e", "advinfonce", {"recall@20": 0.2000}, dataset="gowalla")
    table = comparison_table(results.collect(tmp_path / "e"), ["recall@20"])
    shown = [(row[6].text, row[8].text) for row in table.rows if row[4].text == "recall@20"]
    assert shown == [("0.2012", "Table 3.1 AdvInfoNCE [1]"), ("0.2013", "Table 3.2 AdvInfoNCE [2]")]
    same = "for the same setting."
    assert table.footer[-2:] == [
        f"[1] Table 3.1 gowalla mf AdvInfoNCE recall@20 = 0.2012: Table 3.2 prints 0.2013 {same}",
        f"[2] Table 3.2 gowalla mf AdvInfoNCE recall@20 = 0.2013: Table 3.1 prints 0.2012 {same}",
    ]
    assert [r["paper_notes"] for r in table.records if r["metric"] == "recall@20"] == [
        "Table 3.2 prints 0.2013 for the same setting",
        "Table 3.1 prints 0.2012 for the same setting",
    ]


def test_threshold_rows_come_with_the_variants_at_the_selected_epoch(tmp_path: Path) -> None:
    logged = {
        "valid_threshold_error": [0.30, 0.10, 0.05],
        "valid_threshold_signed_error": [-0.30, -0.08, 0.01],
        "valid_threshold_error_ranked": [0.20, 0.04, 0.03],
        "valid_threshold_error_sigmoid": [0.07, 0.02, 0.01],
        "valid_mean_threshold": [0.40, 0.50, 0.55],
    }
    store(tmp_path, "t", "talos", {"precision@20": 0.2}, thresholds={"threshold_error": 0.1}, history=logged)
    table = comparison_table(results.collect(tmp_path / "t"), ["precision@20"])
    assert (
        "movielens-100k/iid/mf/talos threshold at the selected epoch (validation users, mean of 2 seeds): "
        "error 0.1000, signed -0.0800, against the K-th non-training score 0.0400, on the sigmoid scale "
        "0.0200; the mean threshold moved +25.0 % over the validation interval before it and +10.0 % from "
        "it to the last validation."
    ) in table.footer


def test_without_vs_paper_no_comparison(ml100k: Path) -> None:
    result = runner.invoke(app, ["report", str(ml100k), "--table", "accuracy"])
    assert result.exit_code == 0 and "Paper vs measured" not in result.stdout


def test_the_loss_k_picks_the_paper_row(tmp_path: Path) -> None:
    """Talos trained for K = 50 is Table 3.2's Talos@50 (and not Table 3.1's Talos, trained for 20)."""
    store(
        tmp_path,
        "k",
        "talos@50",
        {"recall@50": 0.3200, "recall@20": 0.2},
        dataset="gowalla",
        loss="talos",
        loss_params={"k": 50},
    )
    final = results.collect(tmp_path / "k")
    table = comparison_table(final, ["recall@20", "recall@50"])
    found = [(r["metric"], r["paper_table"], r["paper_label"], r["paper"]) for r in table.records]
    assert found == [("recall@20", "3.2", "Talos@50", 0.2078), ("recall@50", "3.2", "Talos@50", 0.3212)]


def test_incomparable_metric_is_shown_not_compared(tmp_path: Path) -> None:
    store(tmp_path, "d", "sl", {"mrr@20": 0.05, "ndcg@20": 0.16}, dataset="gowalla")
    table = comparison_table(results.collect(tmp_path / "d"), ["mrr@20", "ndcg@20"])
    texts = {row[4].text: (row[6].text, row[7].text) for row in table.rows}
    assert texts["mrr@20"] == ("0.0481", "– (not comparable)")
    assert texts["ndcg@20"] == ("0.1585", "+1.58%")  # (0.160 + 0.162) / 2 against 0.1585
    assert any("mrr not compared" in line for line in table.footer)


def test_paper_lists_and_prints_tables() -> None:
    result = runner.invoke(app, ["paper"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    ids = [line.split()[0] for line in lines[1:] if not line.startswith(" ")]
    assert ids == ["3.1", "3.2", "3.3", "3.4", "4.1", "A.1", "A.2", "A.3", "A.4", "D.2", "F.1"]
    assert (
        "       gowalla, amazon-beauty · temporal · mf · precision, recall @20 · 9 rows · 36 values" in lines
    )
    assert (
        "       gowalla, amazon-beauty, amazon-games, amazon-electronics · iid · mf, lightgcn, xsimgcl ·"
        in lines
    )
    assert "       precision, recall @20 · 30 rows · 80/240 values" in lines
    assert max(map(len, lines)) <= 100
    assert runner.invoke(app, ["paper", "A.4", "--json"]).stdout.count('"loss": "talos"') == 4
    result = runner.invoke(app, ["paper", "4.1"])
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in result.stdout.splitlines()]
    assert ["mf", "w/o-denominator", "talos-no-denominator", "0.0018", "0.0160"] in rows  # Electronics
    assert "### Table 4.1 — amazon-electronics: " in result.stdout
    result = runner.invoke(app, ["paper", "3.2"])
    assert "talos, k=50" in result.stdout
    assert (
        "| mf         | RS@K       | rsk          | 0.1218      | 0.1059 [2]  | 0.2406      |"
        in result.stdout
    )
    assert "[2] Table 3.2 gowalla mf RS@K recall@50 = 0.1059: below the same row's Recall@20" in result.stdout
    result = runner.invoke(app, ["paper", "7"])
    assert result.exit_code == 2 and "no published table '7'" in result.output


def test_the_authors_split_is_compared_with_the_papers_beauty(tmp_path: Path) -> None:
    """amazon-beauty-talos trained on its given split is the paper's Beauty (iid): Tables 3.1 and D.2."""
    metrics = {"precision@20": 0.0180, "recall@20": 0.1500, "ndcg@20": 0.1000}
    store(tmp_path, "own", "talos", metrics, dataset="amazon-beauty-talos", scenario="given")
    store(tmp_path, "own", "bpr", metrics, dataset="amazon-beauty-talos", scenario="iid")
    result = runner.invoke(app, ["report", str(tmp_path / "own"), "--table", "accuracy", "--vs-paper"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("| amazon-beauty-talos")]
    given = [line for line in rows if "| given " in line]
    assert any("Table 3.1 Talos" in line and "0.0179" in line for line in given)
    assert any("Table D.2 Talos" in line for line in given)
    # The same dataset split another way is not the paper's split: no counterpart
    assert not [line for line in rows if "| iid " in line]
