"""The accuracy table on the fabricated suite: values, marks, Imp.%, significance, missing runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from talosbench import results
from talosbench.data import store
from talosbench.report import ReportError, build_tables, report, stats

from .conftest import PRECISION, SEEDS, write


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
    rows = _rows(accuracy)
    imp = rows["Imp.%"]
    # precision: talos = SL + 0.1 in every seed -> the t-test over the 3 paired runs holds after Holm.
    assert imp[2] == "+47.62%↑* vs sl"
    # recall: noisy seed means -> no mark despite the -3.64% gap.
    assert imp[3] == "-3.64% vs sl"
    assert imp[4] == "+10.53%↑* vs sl"
    # Bootstrap intervals over runs, and P(better) over the seed pairs.
    assert rows["Imp.% 95% CI"][2] == "[+45.45%, +50.00%]" and rows["P(better)"][2] == "1.00 [1.00, 1.00]"
    assert rows["P(better)"][3] == "0.33 [0.00, 1.00]"  # talos's recall beats SL's in seed 2 only
    # One family: every comparison of the table, all metrics together.
    assert "Holm–Bonferroni over this table's family of 4 tested comparison(s)" in accuracy
    assert "precision@20 2, recall@20 2" in accuracy and "t-test over trained runs" in accuracy


def test_records_carry_the_test_and_its_intervals(golden: Path) -> None:
    table = build_tables(results.collect(golden), ["accuracy"])[0]
    imps = [r for r in table.records if r["loss"] == "Imp.%"]
    precision = next(r for r in imps if r["scenario"] == "iid" and r["metric"] == "precision@20")
    assert precision["test"] == "paired t" and precision["seeds"] == 3 and precision["p"] == 0.0
    assert precision["difference"] == pytest.approx(0.1) and precision["p_better"] == 1.0
    assert precision["imp_low"] == pytest.approx(100 * 0.1 / 0.22) and precision["mark"] == "↑*"
    assert precision["users"] == 40 and precision["users_better"] == 1.0  # descriptive only
    # Holm over the four tested comparisons together: the recall ones keep no mark.
    pvalues = [r["p"] for r in imps]
    assert [r["p_holm"] for r in imps] == pytest.approx(stats.holm(pvalues))
    recall = [r for r in imps if r["metric"] == "recall@20"]
    assert all(r["p_holm"] > 0.05 and r["mark"] == "" and r["statistic"] < 0 for r in recall)


def test_the_footer_states_the_smallest_detectable_difference(golden: Path) -> None:
    table = build_tables(results.collect(golden), ["accuracy"])[0]
    records = [r for r in table.records if r["loss"] == "Imp.%"]
    sd = math.sqrt(sum(r["seed_sd_pct"] ** 2 for r in records) / len(records))
    found = stats.detectable_difference(sd, 3)
    line = next(line for line in table.footer if line.startswith("Smallest difference detectable"))
    assert f"{found:.1f}% of the opponent's mean (paired t-test over 3 seeds at α = 0.05" in line
    assert f"{stats.detectable_difference(sd, 3, 0.05 / 4):.1f}% at α/4" in line


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
    assert record["value"] == 0 and record["p_holm"] == 1.0 and record["p_better"] == 0.5
    assert table.rows[-3][2].text == "+0.00% vs sl"


def test_the_opponent_is_the_best_loss_on_validation_not_on_test(golden: Path) -> None:
    frame = results.collect(golden).filter(pl.col("scenario") == "iid", pl.col("role") == "final")
    # BPR now validates best among the others although SL is better on test: BPR is the opponent,
    # and the Imp.% compares the test values of talos and BPR.
    moved = frame.with_columns(
        pl.when(pl.col("loss") == "bpr")
        .then(0.3)
        .otherwise(pl.col("valid_precision@20"))
        .alias("valid_precision@20")
    )
    table = build_tables(moved, ["accuracy"], ["precision@20"])[0]
    record = next(r for r in table.records if r["loss"] == "Imp.%")
    assert record["vs"] == "bpr" and record["vs_valid"] == pytest.approx(0.3)
    assert record["value"] == pytest.approx((0.31 - 0.11) / 0.11 * 100)
    assert "the other loss with the best validation mean of the column's metric" in "\n".join(table.footer)


def test_vs_all_compares_every_other_loss_in_one_family(golden: Path) -> None:
    text = report(golden, tables=["accuracy"], vs_all=True)
    rows = _rows(text)
    assert rows["Imp.% vs sl"][2] == "+47.62%↑*" and rows["Imp.% vs bpr"][2] == "+181.82%↑*"
    assert rows["Imp.% vs bpr"][4] == "– (bpr incomplete)"  # temporal: bpr lost two seeds
    # 3 comparisons per metric (sl iid and temporal, bpr iid): 6 in the family.
    assert "family of 6 tested comparison(s), precision@20 3, recall@20 3;" in text
    assert "against every other loss of the backbone block" in text


def test_baseline_option(golden: Path) -> None:
    text = report(golden, tables=["accuracy"], metrics=["precision@20"], baseline="sl")
    assert "Imp.%: sl against the other loss with the best validation mean" in text
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
    assert record["p_holm"] is None and record["untested"] == "1 run(s) per side; a test needs 3"
    assert table.rows[-1][2].text == "+50.00% vs sl"


def test_two_seeds_get_no_mark_and_the_table_says_why(golden: Path) -> None:
    frame = results.collect(golden).filter(pl.col("seed") < 3, pl.col("scenario") == "iid")
    table = build_tables(frame, ["accuracy"], ["precision@20"])[0]
    # talos = SL + 0.1 in both seeds: a constant difference, yet two runs per side are not a test.
    assert table.rows[-1][1].text == "Imp.%" and table.rows[-1][2].text == "+48.78% vs sl"
    footer = "\n".join(table.footer)
    assert "No significance mark: every comparison has fewer than 3 runs per side (2 seed(s))" in footer
    assert "with 2 seed(s) none is tested" in footer and "with 3 seeds and" in footer


def test_each_backbone_keeps_its_comparisons_and_one_family_spans_them(golden: Path) -> None:
    frame = results.collect(golden).filter(pl.col("scenario") == "iid", pl.col("role") == "final")
    both = pl.concat([frame, frame.with_columns(backbone=pl.lit("lightgcn"))])
    table = build_tables(both, ["accuracy"], ["precision@20"])[0]
    labels = [(row[0].text, row[1].text) for row in table.rows]
    block = ["bpr", "sl", "talos", "Imp.%", "Imp.% 95% CI", "P(better)"]
    assert labels == [("mf", loss) for loss in block] + [("lightgcn", loss) for loss in block]
    assert table.rows[3][2].text == table.rows[9][2].text == "+47.62%↑* vs sl"
    assert "family of 2 tested comparison(s), precision@20 2;" in "\n".join(table.footer)


def test_cli_vs_all(golden: Path) -> None:
    from typer.testing import CliRunner

    from talosbench.cli import app

    result = CliRunner().invoke(app, ["report", str(golden), "--table", "accuracy", "--vs-all"])
    assert result.exit_code == 0, result.output
    assert "| Imp.% vs bpr " in result.stdout and "| Imp.% vs sl " in result.stdout


PLANNED = ("bpr", "sl", "talos", "psl")
"""The losses of the interrupted suite's plan: psl never trained, bpr stopped after seed 1."""


def _interrupted(root: Path, complete: bool = False) -> Path:
    """Suite ``cut`` as a killed grid leaves it: every run it stored, and its plan of 4 cells x 3 seeds."""
    losses = ("bpr", "sl", "talos") if complete else ("sl", "talos")
    for loss in losses:
        for seed, value in zip(SEEDS, PRECISION[("iid", loss)], strict=True):
            write(root, "iid", loss, seed, precision=value, suite="cut")
    if not complete:
        write(root, "iid", "bpr", 1, precision=0.1, suite="cut")
    stored = [d.name for d in (root / "cut").iterdir() if d.is_dir()]
    cells = [
        {"dataset": "ml", "scenario": "iid", "backbone": "mf", "loss": loss}
        for loss in (losses if complete else PLANNED)
    ]
    evaluation = {"metrics": ["precision"], "ks": [20]}
    results.write_plan(root / "cut", stored, root / "cut.toml", evaluation, cells=cells, seeds=SEEDS)
    return root / "cut"


def test_an_interrupted_grid_shows_its_absent_runs_and_ranks_nothing(tmp_path: Path) -> None:
    text = report(_interrupted(tmp_path), tables=["accuracy"])
    assert "### Accuracy (test, best validation snapshot) — partial: 5 of 12 planned runs absent" in text
    rows = _rows(text)
    assert rows["psl"][2] == "– (0/3 seeds, 3 missing)"  # planned, never trained: still a row
    assert rows["bpr"][2] == "0.1000 (1/3 seeds, 2 missing)"
    assert rows["talos"][2] == "0.3100 ± 0.0100" and rows["Imp.%"][2] == "– (column incomplete)"
    assert "**" not in text and "<u>" not in text and "↑" not in text and "pass --partial" in text
    records = json.loads(report(tmp_path / "cut", fmt="json", tables=["accuracy"]))
    cells = [r for r in records if r["loss"] != "Imp.%"]
    assert {r["partial"] for r in records if "partial" in r} == {"5 of 12 planned runs absent"}
    assert not any(r["best"] or r["runner_up"] or r["ranked"] for r in cells) and len(cells) == 4
    assert [r["refused"] for r in records if r["loss"] == "Imp.%"] == ["column incomplete"]
    assert "ranked,partial" in report(tmp_path / "cut", fmt="csv", tables=["accuracy"]).splitlines()[0]
    page = report(tmp_path / "cut", fmt="html", tables=["accuracy"])
    assert "partial: 5 of 12 planned runs absent" in page and "<strong>" not in page


def test_partial_ranks_the_completed_cells_and_says_the_table_is_partial(tmp_path: Path) -> None:
    text = report(_interrupted(tmp_path), tables=["accuracy"], partial=True)
    assert "— partial: 5 of 12 planned runs absent" in text and "--partial ranks and compares" in text
    rows = _rows(text)
    assert rows["talos"][2] == "**0.3100 ± 0.0100**" and rows["sl"][2] == "<u>0.2100 ± 0.0100</u>"
    assert rows["Imp.%"][2].startswith("+47.62%") and rows["Imp.%"][2].endswith("vs sl")
    records = json.loads(report(tmp_path / "cut", fmt="json", tables=["accuracy"], partial=True))
    assert all(r["ranked"] for r in records if r["loss"] != "Imp.%")


def test_a_complete_plan_reports_as_a_suite_without_one(tmp_path: Path) -> None:
    planned = report(_interrupted(tmp_path / "a", complete=True), tables=["accuracy"], fmt="csv")
    _interrupted(tmp_path / "b", complete=True)
    (tmp_path / "b" / "cut" / "plan.json").unlink()
    assert planned == report(tmp_path / "b" / "cut", tables=["accuracy"], fmt="csv", metrics=["precision@20"])
    assert "partial" not in planned


def test_a_failed_run_counts_as_absent(tmp_path: Path) -> None:
    suite = _interrupted(tmp_path, complete=True)
    bpr = next(
        d
        for d in suite.iterdir()
        if d.is_dir()
        and '"seed": 3' in (d / "config.json").read_text()
        and '"loss": "bpr"' in (d / "config.json").read_text()
    )
    result = json.loads((bpr / "result.json").read_text())
    (bpr / "result.json").write_text(json.dumps({**result, "status": "failed", "test": {}, "error": "boom"}))
    text = report(suite, tables=["accuracy"])
    assert "— partial: 1 of 9 planned runs absent" in text and "**" not in text
    assert _rows(text)["bpr"][2] == "0.1050 ± 0.0071 (2/3 seeds, 1 failed)"


def test_runs_of_a_suite_being_run_read_as_running(tmp_path: Path) -> None:
    suite = _interrupted(tmp_path)
    with store.file_lock(suite / ".lock", wait=False):  # as the runner holds it while it trains
        text = report(suite, tables=["accuracy"])
    assert _rows(text)["psl"][2] == "– (0/3 seeds, 3 running or queued)" and "in training now" in text
    assert _rows(report(suite, tables=["accuracy"]))["psl"][2] == "– (0/3 seeds, 3 missing)"


def test_cli_partial(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from talosbench.cli import app

    suite = str(_interrupted(tmp_path))
    plain = CliRunner().invoke(app, ["report", suite, "--table", "accuracy"])
    partial = CliRunner().invoke(app, ["report", suite, "--table", "accuracy", "--partial"])
    assert plain.exit_code == partial.exit_code == 0, plain.output + partial.output
    assert "**" not in plain.stdout and "**0.3100 ± 0.0100**" in partial.stdout
    assert all("partial: 5 of 12 planned runs absent" in r.stdout for r in (plain, partial))
