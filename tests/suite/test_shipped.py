"""Every suite file shipped in suites/ validates, is found by name, and quick.toml covers every paper loss."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from talosbench.losses import LOSSES
from talosbench.runner import build_plan, total_runs
from talosbench.suite import (
    SuiteError,
    find_suite,
    load_suite,
    point_config,
    shipped_datasets,
    shipped_suites,
)
from talosbench.suite.shipped import CHECKOUT_DIR, DEFAULT_DATASETS, INSTALLED_DIR, SUITES_DIR

SUITES = sorted((Path(__file__).resolve().parents[2] / "suites").glob("*.toml"))


def test_the_paper_suites_are_shipped() -> None:
    names = {p.stem for p in SUITES}
    assert names >= {"quick", "movielens", "iid", "shift", "ablation", "k-sweep", "negatives", "efficiency"}


@pytest.mark.parametrize("path", SUITES, ids=lambda p: p.stem)
def test_shipped_suite_validates_and_plans(path: Path) -> None:
    suite = load_suite(path)
    assert suite.name == path.stem
    assert path.read_text(encoding="utf-8").startswith(f"# {path.name}: ")  # the header comment
    assert total_runs(build_plan(suite)) > 0


def test_quick_runs_every_loss_untuned_on_synthetic_data() -> None:
    suite = load_suite(next(p for p in SUITES if p.stem == "quick"))
    assert set(suite.losses) == {name for name in LOSSES if LOSSES.get(name).declared.in_paper}
    assert "neuralndcg" in LOSSES and "neuralndcg" not in suite.losses  # registered, not in the paper
    assert suite.datasets == ("synthetic",) and len(suite.seeds) == 2
    plans = build_plan(suite)
    assert not any(plan.tuned for plan in plans)
    assert total_runs(plans) == 2 * len(suite.losses)


def test_k_sweep_aliases_train_talos_at_three_cutoffs() -> None:
    suite = load_suite(next(p for p in SUITES if p.stem == "k-sweep"))
    aliases = {label: suite.loss_tables[label] for label in ("talos@20", "talos@50", "talos@80")}
    assert {t.name for t in aliases.values()} == {"talos"}
    assert [t.fixed[("loss", "k")] for t in aliases.values()] == [20, 50, 80]
    assert suite.eval.ks == (20, 50, 80)


def test_download_defaults_to_the_datasets_the_shipped_suites_name(tmp_path: Path) -> None:
    shipped = shipped_datasets()  # read from suites/ beside the package
    assert {"gowalla", "movielens-100k", "synthetic"} <= set(shipped) and len(set(shipped)) == len(shipped)
    (tmp_path / "a.toml").write_text('[grid]\ndatasets = ["x", { name = "y", k_core = 5 }]\n')
    (tmp_path / "b.toml").write_text('[grid]\ndatasets = ["y", "z"]\nlosses = ["unknown-loss"]\n')
    (tmp_path / "c.toml").write_text("not [ toml\n")  # skipped, not fatal
    assert shipped_datasets(tmp_path) == ["x", "y", "z"]
    assert shipped_datasets(tmp_path / "none") == list(DEFAULT_DATASETS)


def test_iid_tunes_the_xsimgcl_contrastive_weight_over_the_papers_grid() -> None:
    suite = load_suite(next(p for p in SUITES if p.stem == "iid"))
    plans = {(plan.cell.backbone, plan.cell.loss): plan for plan in build_plan(suite)}
    tuned = [p.as_dict() for p in plans[("xsimgcl", "sl")].points]
    assert {p["backbone.cl_rate"] for p in tuned} <= {0.01, 0.05, 0.1, 0.2}
    assert len({p["backbone.cl_rate"] for p in tuned}) > 1  # the budget draws several weights
    assert all("backbone.cl_rate" not in p.as_dict() for p in plans[("lightgcn", "sl")].points)
    chosen = point_config(suite, plans[("xsimgcl", "sl")].cell, plans[("xsimgcl", "sl")].points[0], 2024)
    assert chosen.backbone_params["cl_rate"] == tuned[0]["backbone.cl_rate"]


def test_shipped_suites_are_the_files_of_the_suites_folder() -> None:
    assert SUITES_DIR == CHECKOUT_DIR and not INSTALLED_DIR.exists()  # a checkout reads suites/ itself
    assert shipped_suites() == {path.stem: path for path in SUITES}


def test_find_suite_takes_a_file_then_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "quick.toml").write_text("# shipped\n")
    (shipped / "iid.toml").write_text("# shipped\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert find_suite("quick", shipped) == shipped / "quick.toml"
    assert find_suite("quick.toml", shipped) == shipped / "quick.toml"  # no such file here
    (work / "quick.toml").write_text("# mine\n")
    assert find_suite("quick.toml", shipped) == Path("quick.toml")  # a user's file is never shadowed
    assert find_suite(work / "quick.toml", shipped) == work / "quick.toml"
    assert find_suite(Path("iid"), shipped) == shipped / "iid.toml"


@pytest.mark.parametrize("spec", ["nosuch", "sub/quick.toml", "./quick"])
def test_find_suite_names_the_shipped_suites_when_nothing_matches(
    spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "quick.toml").write_text("# shipped\n")
    (shipped / "iid.toml").write_text("# shipped\n")
    monkeypatch.chdir(shipped)  # even beside the shipped files, a path is a path
    message = rf"^{re.escape(spec)}: no such suite file.*shipped suites: iid, quick"
    with pytest.raises(SuiteError, match=message):
        find_suite(spec, shipped)  # a path to a missing file is not read as a name


def test_find_suite_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="is a folder"):
        find_suite(tmp_path, tmp_path)
