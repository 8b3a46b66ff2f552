"""``talosbench init``'s suite: valid as written and with every example uncommented, every key explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from talosbench.config import TRAIN_KEYS
from talosbench.runner import build_plan, total_runs
from talosbench.suite import SuiteError, load_suite, parse_suite
from talosbench.suite.load import EXCLUDE_KEYS, GRID_KEYS, SUITE_KEYS, TABLES
from talosbench.suite.template import suite_template, toml_value, write_suite_template
from talosbench.toml import tomllib

EXAMPLE = re.compile(r"^# (\[\[?[A-Za-z0-9_.\"@-]+\]\]?|[a-z_]+ = .+)$")
"""An example line of the template: a commented table header or ``key = value``."""


def test_the_template_is_a_valid_suite_of_the_given_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(suite_template("mine"), encoding="utf-8")
    suite = load_suite(path)
    assert suite.name == "mine" and suite.losses == ("sl", "talos") and suite.datasets == ("synthetic",)
    plans = build_plan(suite)
    assert total_runs(plans) == 6  # what its header says: SL 2 seeds; Talos 2 trials, then 2 seeds
    assert [plan.trial_count for plan in plans] == [0, 2]


def test_every_table_and_key_a_suite_takes_is_in_the_template() -> None:
    text = suite_template("mine")
    keys = set(re.findall(r"^#? ?([a-z_]+) = ", text, flags=re.MULTILINE))
    assert {*SUITE_KEYS, *TRAIN_KEYS, *GRID_KEYS, *EXCLUDE_KEYS, "metrics", "ks", "budget"} <= keys
    headers = set(re.findall(r"^#? ?\[\[?([a-z]+)", text, flags=re.MULTILINE))
    assert headers == set(TABLES)
    for line in text.splitlines():
        assert len(line) <= 100, line


def test_uncommenting_every_example_keeps_the_suite_valid() -> None:
    text = suite_template("mine")
    uncommented = "\n".join(line[2:] if EXAMPLE.match(line) else line for line in text.splitlines())
    assert uncommented.count("\n# ") < text.count("\n# ") - 20  # the examples were found
    data = tomllib.loads(uncommented)
    suite = parse_suite(data, "uncommented")
    assert suite.budget == 12 and suite.sampler == "grid" and suite.excludes
    assert set(suite.train) == set(TRAIN_KEYS)
    assert suite.loss_tables["talos"].budget == 2


@pytest.mark.parametrize("name", ["", "../up", "has space", "-dash"])
def test_a_name_that_cannot_be_a_folder_is_refused(name: str) -> None:
    with pytest.raises(SuiteError, match="suite name: must be a plain name"):
        suite_template(name)


def test_the_folder_of_talosbench_train_is_no_suite_name() -> None:
    with pytest.raises(SuiteError, match="suite name: must not be 'train'"):
        suite_template("train")


def test_write_refuses_to_overwrite_unless_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_suite_template("mine") == Path("mine.toml")
    Path("mine.toml").write_text("# edited\n")
    with pytest.raises(SuiteError, match=r"^mine.toml: already exists; .*--force"):
        write_suite_template("mine")
    assert Path("mine.toml").read_text() == "# edited\n"
    assert write_suite_template("mine.toml", force=True) == Path("mine.toml")  # the file name works too
    assert load_suite("mine.toml").name == "mine"


def test_write_into_a_folder_or_a_named_file(tmp_path: Path) -> None:
    assert write_suite_template("a", tmp_path) == tmp_path / "a.toml"
    target = tmp_path / "other.toml"
    assert write_suite_template("b", target) == target
    assert f"talosbench run {target} --dry-run" in target.read_text()  # the comments name the real path
    assert load_suite(target).name == "b"
    with pytest.raises(SuiteError, match="cannot write the suite file"):
        write_suite_template("c", tmp_path / "missing" / "c.toml")


VALUES = [True, False, 0, 7, 0.05, 1e-06, 'a "quoted" \\ name', [0.1, 0.2], ["x", 1]]


@pytest.mark.parametrize("value", VALUES)
def test_toml_value_reads_back_as_the_same_value(value: object) -> None:
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value
