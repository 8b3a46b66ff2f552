"""The suite ``talosbench paper ID --suite`` writes: it loads, and it trains every cell of the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.paper import PaperTable, paper_table, paper_tables
from talosbench.suite import SuiteError, components, load_suite
from talosbench.suite.paper import paper_suite, suite_name, write_paper_suite
from talosbench.suite.schema import Suite

runner = CliRunner()
EVERY = [(t.id, dataset) for t in paper_tables() for dataset in t.datasets]


def trains(suite: Suite, table: PaperTable) -> set[tuple[str, int | None, int]]:
    """(loss, K, negatives) of every grid label of ``suite``, as its runs train them."""
    out = set()
    for label in suite.losses:
        component = suite.loss_tables[label]
        k = component.fixed.get(
            ("loss", "k"), {p.name: p.default for p in components.loss(component.name).hparams}.get("k")
        )
        negatives = component.fixed.get(("train", "negatives"), suite.setting("negatives"))
        out.add(
            (
                component.name,
                k,
                negatives if negatives is not None else (1 if component.name == "bpr" else 1024),
            )
        )
    return out


@pytest.mark.parametrize(("table_id", "dataset"), EVERY, ids=[f"{t}-{d}" for t, d in EVERY])
def test_the_written_suite_loads_and_covers_the_tables_cells(
    tmp_path: Path, table_id: str, dataset: str
) -> None:
    table = paper_table(table_id)
    path = write_paper_suite(table, dataset, tmp_path)
    assert path == tmp_path / f"{suite_name(table, dataset)}.toml"
    suite = load_suite(path)
    assert suite.name == f"table-{table_id}-{dataset}" and suite.datasets == (dataset,)
    assert set(suite.scenarios) == set(table.scenarios) and set(suite.backbones) == set(table.backbones)
    trained = trains(suite, table)
    for value in table.values:
        assert (value.loss, value.loss_k, value.trained_negatives) in trained, value
        if value.metric not in ("threshold_error", "seconds_per_epoch"):
            assert value.metric in suite.eval.metrics and value.k in suite.eval.ks, value
    assert len(suite.losses) == len({(label, negatives) for _, label, negatives in table.rows})


def test_the_protocol_and_grids_are_the_shipped_suites() -> None:
    suite = load_suite_text(paper_suite(paper_table("3.1"), "gowalla"))
    shipped = load_suite(Path(__file__).resolve().parents[2] / "suites" / "iid.toml")
    assert suite.train == shipped.train and suite.seeds == shipped.seeds and suite.budget == shipped.budget
    assert suite.loss_tables["talos"].dims == shipped.loss_tables["talos"].dims
    assert suite.backbone_tables["xsimgcl"].dims == shipped.backbone_tables["xsimgcl"].dims
    # Table A.4's SL@K is not in the iid suite: its grid comes from the shift suite, which tunes it
    a4 = load_suite_text(paper_suite(paper_table("A.4"), "gowalla"))
    assert [d.name for d in a4.loss_tables["slatk"].dims] == ["lr", "weight_decay", "tau"]
    assert load_suite_text(paper_suite(paper_table("A.3"), None)).name == "table-A.3-movielens-100k"


def load_suite_text(text: str) -> Suite:
    from talosbench.suite import parse_suite
    from talosbench.toml import tomllib

    return parse_suite(tomllib.loads(text))


def test_the_dataset_must_be_one_the_table_prints(tmp_path: Path) -> None:
    with pytest.raises(
        SuiteError, match=r"Table 3\.1 prints 4 datasets \(gowalla, .*\); choose one with --dataset"
    ):
        paper_suite(paper_table("3.1"), None)
    with pytest.raises(SuiteError, match=r"Table 3\.2 prints no dataset 'amazon-beauty'; it prints gowalla"):
        paper_suite(paper_table("3.2"), "amazon-beauty")
    write_paper_suite(paper_table("3.2"), None, tmp_path)
    with pytest.raises(SuiteError, match=r"already exists; .* add --force"):
        write_paper_suite(paper_table("3.2"), None, tmp_path)
    write_paper_suite(paper_table("3.2"), None, tmp_path, force=True)


def test_cli_writes_the_suite_and_prices_it(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    result = runner.invoke(
        app,
        [
            "paper",
            "A.4",
            "--suite",
            "--dataset",
            "movielens-100k",
            "-o",
            str(out),
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: 2 cells, ")
    assert "tuning trials); estimate: " in result.stdout
    assert "talosbench report table-A.4-movielens-100k --vs-paper" in result.stderr.replace("\n", " ")
    assert load_suite(out).name == "table-A.4-movielens-100k"
    result = runner.invoke(app, ["paper", "3.1", "--suite", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "choose one with --dataset" in result.output
    result = runner.invoke(app, ["paper", "3.1", "--dataset", "gowalla"])
    assert result.exit_code == 2 and "--dataset, -o and --force go with --suite" in result.output
    result = runner.invoke(app, ["paper", "--suite"])
    assert result.exit_code == 2 and "name the table" in result.output
