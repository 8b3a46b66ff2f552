"""The accuracy table on the fabricated suite: values, marks, Imp.%, significance, missing runs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from talosbench import results
from talosbench.report import ReportError, build_tables, report


def _rows(markdown: str) -> dict[str, list[str]]:
    """Markdown table rows keyed by their loss column."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) > 2:
            rows.setdefault(cells[1], cells)
    return rows


@pytest.fixture(scope="module")
def accuracy(golden: Path) -> str:
    return report(golden, tables=["accuracy"])


def test_header_and_mean_std(accuracy: str) -> None:
    header = _rows(accuracy)["loss"]
    assert header[2:] == [
        "ml/iid precision@20",
        "ml/iid recall@20",
        "ml/temporal precision@20",
        "ml/temporal recall@20",
    ]
    assert _rows(accuracy)["bpr"][2] == "0.1100 ± 0.0100"


def test_best_bold_runner_up_underlined(accuracy: str) -> None:
    rows = _rows(accuracy)
    assert rows["talos"][2] == "**0.3100 ± 0.0100**" and rows["sl"][2] == "<u>0.2100 ± 0.0100</u>"
    # SL has the best mean recall, talos the runner-up.
    assert rows["sl"][3] == "**0.5500 ± 0.0100**" and rows["talos"][3] == "<u>0.5300 ± 0.0300</u>"


def test_imp_and_significance(accuracy: str) -> None:
    imp = _rows(accuracy)["Imp.%"]
    # precision: talos = SL + 0.1 for every user and seed -> both tests significant after Holm.
    assert imp[2] == "+47.62%↑*† vs sl"
    # recall: identical per-user values, noisy seed means -> no mark despite the -3.64% gap.
    assert imp[3] == "-3.64% vs sl"
    assert imp[4] == "+10.53%↑*† vs sl"
    # Holm's family: one metric's comparisons in the table (iid and temporal), not every column.
    assert "Holm correction per metric" in accuracy and "precision@20 (2), recall@20 (2)" in accuracy
    assert "Wilcoxon signed-rank test over users" in accuracy and "averaged over the 3 seed(s)" in accuracy


def test_missing_and_failed_runs_are_plain_and_unranked(accuracy: str) -> None:
    bpr = _rows(accuracy)["bpr"]
    assert bpr[4] == "0.0500 (1/3 seeds, 1 failed, 1 missing)"
    assert "**" not in bpr[4] and "<u>" not in bpr[4]
    # With bpr unranked, SL is the runner-up of temporal precision.
    assert _rows(accuracy)["sl"][4] == "<u>0.1900 ± 0.0100</u>"


def test_trials_never_reach_accuracy(golden: Path, accuracy: str) -> None:
    frame = results.collect(golden)
    assert frame.filter(pl.col("role") == "trial").height == 2
    assert "0.99" not in accuracy


def test_identical_losses_are_not_marked(tmp_path: Path, golden: Path) -> None:
    frame = results.collect(golden).filter(pl.col("scenario") == "iid", pl.col("role") == "final")
    # Make talos an exact copy of SL: same seed means and same per-user files.
    sl = frame.filter(pl.col("loss") == "sl")
    copy = sl.with_columns(loss=pl.lit("talos"), loss_name=pl.lit("talos"))
    same = pl.concat([frame.filter(pl.col("loss") != "talos"), copy])
    table = build_tables(same, ["accuracy"], ["precision@20"])[0]
    record = next(r for r in table.records if r["loss"] == "Imp.%")
    assert record["value"] == 0 and record["p_wilcoxon_holm"] == 1.0 and record["p_ttest_holm"] == 1.0
    assert table.rows[-1][2].text == "+0.00% vs sl"


def test_baseline_option(golden: Path) -> None:
    text = report(golden, tables=["accuracy"], metrics=["precision@20"], baseline="sl")
    assert "Imp.%: sl against the best other loss" in text
    # SL against the best other (talos 0.31): (0.21 - 0.31) / 0.31.
    assert _rows(text)["Imp.%"][2].startswith("-32.26%")
    with pytest.raises(ReportError, match="unknown baseline 'psl'; the losses in these runs: bpr, sl, talos"):
        report(golden, baseline="psl")


def test_unknown_metric_and_table(golden: Path) -> None:
    with pytest.raises(ReportError, match="unknown metric ndcg@10; the runs report: precision@20, recall@20"):
        report(golden, metrics=["ndcg@10"])
    with pytest.raises(ReportError, match="unknown table speed"):
        report(golden, tables=["speed"])


def test_without_baseline_runs_says_so(golden: Path) -> None:
    frame = results.collect(golden).filter(pl.col("loss") != "talos")
    table = build_tables(frame, ["accuracy"])[0]
    assert all(row[1].text != "Imp.%" for row in table.rows)
    assert "No Imp.% row and no significance tests: the baseline 'talos'" in table.footer[-1]


def test_one_seed_gets_no_marks(golden: Path) -> None:
    # One seed: all users share one trained model per loss, so a per-user test says nothing about the loss.
    frame = results.collect(golden).filter(pl.col("seed") == 1, pl.col("scenario") == "iid")
    table = build_tables(frame, ["accuracy"], ["precision@20"])[0]
    record = next(r for r in table.records if r["loss"] == "Imp.%")
    assert record["p_wilcoxon_holm"] is None and record["p_ttest_holm"] is None
    assert table.rows[-1][2].text == "+50.00% vs sl"
