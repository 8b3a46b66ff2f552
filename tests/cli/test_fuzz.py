"""Property-based fuzzing of what a user hands the CLI: suite files, imported tables and the files of the
data home and the results store. Whatever the input, the command succeeds or ends with exit 1 or 2 and
an ``error:`` line (or typer's usage box), never a traceback; completed runs are never touched.

Each target runs on a short budget in the normal test run (``.ci/run``) and on a long one as a slow test
(``-m slow``); each prints how many examples it tried (``pytest -s``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from talosbench.cli import app
from talosbench.config import TRAIN_KEYS
from talosbench.errors import TalosbenchError
from talosbench.suite.load import GRID_KEYS, SUITE_KEYS

SHORT = 25
"""Examples per target in the normal test run: the whole set stays well under 30 s on 2 cores."""
LONG = 400
"""Examples per target in the slow run."""
BUDGETS = [SHORT, pytest.param(LONG, marks=pytest.mark.slow)]

runner = CliRunner()


def fuzz(name: str, strategy: st.SearchStrategy[Any], check: Callable[[Any], None], examples: int) -> None:
    """Run ``check`` on ``examples`` values of ``strategy`` (no shrinking database, no deadline: the CLI
    imports torch on its first call) and print the count."""
    tried = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal tried
        tried += 1
        check(value)

    run()
    print(f"fuzz {name}: {tried} examples, 0 uncaught")


def invoke(args: Sequence[str]) -> Result:
    """The CLI on ``args``; fails the test on a traceback or an exit that is not 0, 1 or 2 with a message."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"talosbench {' '.join(map(str, args))} raised:\n{result.output}\n{trace}")
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        said = result.stderr.splitlines()
        usage = result.exit_code == 2 and any(line.startswith("Usage:") for line in said)
        assert usage or [line for line in said if line.startswith("error: ")], result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def scratch() -> Iterator[Callable[[], Path]]:
    """A fresh folder per example (pytest's tmp_path is one folder for every example of a test)."""
    made: list[str] = []

    def folder() -> Path:
        made.append(tempfile.mkdtemp(prefix="talosbench-fuzz-"))
        return Path(made[-1])

    yield folder
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


# ---- values of every kind TOML and JSON can hold, the odd ones often ------------------------------------

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 100_000, 10**9]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, math.inf, math.nan]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        ["", "nan", "cpu", "cuda:7", "synthetic", "bpr", "talos", "mf", "iid", "../x", "a/b", "."]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def toml_value(value: Any) -> str:
    """``value`` as TOML (inline tables and arrays; NaN and infinities as TOML spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_text(document: dict[str, dict[str, Any]]) -> str:
    """A document of tables of keys as TOML text."""
    return "".join(
        f"[{json.dumps(table)}]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in keys.items())
        for table, keys in document.items()
    )


# ---- suite files ----------------------------------------------------------------------------------------

BASE_SUITE: dict[str, dict[str, Any]] = {
    "suite": {"name": "fuzz", "seeds": [1]},
    "train": {"epochs": 1, "device": "cpu"},
    "eval": {"metrics": ["precision", "recall"], "ks": [20]},
    "grid": {"datasets": ["synthetic"], "losses": ["bpr", "talos"]},
    "datasets": {"synthetic": {"n_users": 60, "n_items": 40, "n_interactions": 900}},
    "losses": {"talos": {"tau": [0.1, 0.2]}, "bpr": {"negatives": 1}},
    "backbones": {"mf": {"init_std": 0.1}},
}
KEYS = {
    "suite": list(SUITE_KEYS),
    "train": list(TRAIN_KEYS),
    "eval": ["metrics", "ks"],
    "grid": list(GRID_KEYS),
    "exclude": ["dataset", "loss"],
    "datasets": ["synthetic", "movielens-100k", "nope"],
    "losses": ["talos", "bpr", "sl", "psl", "nope"],
    "backbones": ["mf", "lightgcn", "nope"],
}
HPARAMS = [
    "tau",
    "k",
    "negatives",
    "lr",
    "n_users",
    "n_items",
    "n_interactions",
    "seed",
    "init_std",
    "layers",
]
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1252"]


@st.composite
def suite_files(draw: st.DrawFn) -> bytes:
    """A valid suite with up to four edits (a key set to any value, or removed), in an encoding, maybe cut."""
    document = json.loads(json.dumps(BASE_SUITE))
    for _ in range(draw(st.integers(0, 4))):
        table = draw(st.sampled_from([*KEYS, "extra"]))
        key = draw(st.sampled_from(KEYS.get(table, ["x"])) | st.text(min_size=1, max_size=6))
        keys = document.setdefault(table, {})
        if draw(st.booleans()) and key in keys:
            del keys[key]
        elif table in ("datasets", "losses", "backbones") and draw(st.booleans()):
            keys[key] = draw(st.dictionaries(st.sampled_from(HPARAMS), VALUES, max_size=3))
        else:
            keys[key] = draw(VALUES)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = toml_text(document).encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # a file cut short, or with bytes no editor writes
        data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=8))
    return data


@pytest.mark.parametrize("examples", BUDGETS)
def test_fuzz_suite_files(examples: int, scratch: Callable[[], Path]) -> None:
    def check(data: bytes) -> None:
        folder = scratch()
        (folder / "suite.toml").write_bytes(data)
        home, runs = ["--data-dir", folder / "home"], ["--results-dir", folder / "runs"]
        invoke(["run", folder / "suite.toml", "--dry-run", *home, *runs])
        invoke(["report", folder / "suite.toml", *runs])

    fuzz("suite files", suite_files(), check, examples)


# ---- imported tables: CSV, TSV, Parquet -----------------------------------------------------------------

CELLS = st.one_of(
    st.integers(-5, 40).map(str),
    st.sampled_from(
        ["nan", "NA", "null", "None", "", " ", '"', "u1", "i1", "1e400", "-0", "é", "3.5", "x,y"]
    ),
    st.text(max_size=5),
)
HEADERS = st.one_of(
    st.just(["user", "item"]),
    st.just(["user", "item", "rating", "timestamp"]),
    st.just(["user_id", "item_id", "rating"]),
    st.lists(st.sampled_from(["user", "item", "rating", "timestamp", "u", "", "user"]), max_size=5),
)


@st.composite
def text_tables(draw: st.DrawFn) -> tuple[str, bytes]:
    """A CSV or TSV file: a header (or none), rows of odd cells, an encoding."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".txt"]))
    sep = "\t" if suffix == ".tsv" else draw(st.sampled_from([",", ",", "\t", ";", " "]))
    header = draw(HEADERS)
    width = len(header) or draw(st.integers(1, 4))
    dense = [[str(u), str(i)] + [str(1 + (u + i) % 5)] * (width - 2) for u in range(12) for i in range(6)]
    rows = draw(st.lists(st.lists(CELLS, min_size=1, max_size=width + 1), max_size=6))
    lines = [sep.join(header)] if header else []
    lines += [sep.join(row) for row in (dense if draw(st.booleans()) else []) + rows]
    encoding = draw(st.sampled_from(ENCODINGS))
    return suffix, ("\n".join(lines) + "\n").encode(encoding, errors="replace")


COLUMNS = {
    "int": st.lists(st.integers(-(2**40), 2**40) | st.none(), min_size=1, max_size=30),
    "str": st.lists(CELLS | st.none(), min_size=1, max_size=30),
    "float": st.lists(st.floats() | st.none(), min_size=1, max_size=30),
    "bool": st.lists(st.booleans() | st.none(), min_size=1, max_size=30),
}


@st.composite
def parquet_tables(draw: st.DrawFn) -> tuple[str, bytes]:
    """A Parquet file of named columns of any of four types (nulls included), or bytes cut from one."""
    names = draw(
        st.lists(st.sampled_from(["user", "item", "rating", "timestamp", "x"]), min_size=1, max_size=4)
    )
    height = draw(st.integers(1, 30))
    frame = pl.DataFrame(
        {
            f"{name}{'_' * i if name in names[:i] else ''}": pl.Series(
                (draw(COLUMNS[kind]) * height)[:height],
                dtype={"int": pl.Int64, "str": pl.String, "float": pl.Float64, "bool": pl.Boolean}[kind],
            )
            for i, name in enumerate(names)
            for kind in [draw(st.sampled_from(sorted(COLUMNS)))]
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    data = buffer.getvalue()
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return ".parquet", data


@pytest.mark.parametrize("examples", BUDGETS)
def test_fuzz_imported_tables(examples: int, scratch: Callable[[], Path]) -> None:
    def check(table: tuple[str, bytes]) -> None:
        folder = scratch()
        suffix, data = table
        (folder / f"mine{suffix}").write_bytes(data)
        home = ["--data-dir", folder / "home"]
        imported = invoke(["download", "--file", folder / f"mine{suffix}", "--name", "mine", *home])
        if imported.exit_code == 0:  # a dataset came in: it lists, and a suite over it plans
            invoke(["datasets", "mine", *home])

    fuzz("imported tables", st.one_of(text_tables(), parquet_tables()), check, examples)


# ---- files of the data home and the results store, damaged ----------------------------------------------


@st.composite
def damage(draw: st.DrawFn, original: bytes, is_json: bool) -> bytes:
    """``original`` cut short, overwritten with noise, or (JSON) with one value changed, removed or added."""
    how = draw(
        st.sampled_from(["cut", "noise", "edit", "edit", "edit"] if is_json else ["cut", "noise", "frame"])
    )
    if how == "cut":
        return original[: draw(st.integers(0, max(len(original) - 1, 0)))]
    if how == "noise":
        return draw(st.binary(max_size=64))
    if how == "frame":  # a readable Parquet file with other columns or types
        frame = pl.DataFrame(
            {draw(st.sampled_from(["user", "epoch", "x", "precision@20"])): draw(COLUMNS["int"])}
        )
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    data = json.loads(original)
    path: list[Any] = []
    node = data
    while isinstance(node, dict) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node)))
        path.append(key)
        node = node[key]
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if not path:
        data = draw(VALUES)
    elif draw(st.integers(0, 3)) == 0:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(VALUES)
    if isinstance(parent, dict) and draw(st.integers(0, 5)) == 0:
        parent[draw(st.text(max_size=6))] = draw(VALUES)
    return json.dumps(data, allow_nan=True).encode()


def digests(root: Path, skip: Path) -> dict[Path, str]:
    """The sha256 of every file under ``root`` but ``skip``."""
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p != skip
    }


STORE_SUITE = """
[suite]
name = "fuzz"
seeds = [1, 2]

[train]
epochs = 1
device = "cpu"
negatives = 8

[eval]
metrics = ["precision"]
ks = [20]

[grid]
datasets = ["mine"]
losses = ["bpr", "sl"]
"""
TABLE = "user,item\n" + "".join(f"u{u},i{(u * 7 + k) % 30}\n" for u in range(40) for k in range(8))


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home with one imported dataset and a results store of its trained grid (4 runs)."""
    root = tmp_path_factory.mktemp("fuzz-store")
    (root / "mine.csv").write_text(TABLE)
    (root / "suite.toml").write_text(STORE_SUITE)
    home = ["--data-dir", root / "home"]
    assert invoke(["download", "--file", root / "mine.csv", "--name", "mine", *home]).exit_code == 0
    ran = invoke(["run", root / "suite.toml", "--quiet", *home, "--results-dir", root / "runs"])
    assert ran.exit_code == 0, ran.output
    return root


def store_files(root: Path) -> list[Path]:
    """Every file of the data home and the results store a fuzzer may damage."""
    names = {"result.json", "config.json", "history.parquet", "per_user.parquet", "plan.json", "source.json"}
    names |= {"meta.json", "interactions.parquet", "user_map.parquet", "item_map.parquet"}
    found = [p for p in sorted(root.rglob("*")) if p.is_file() and (p.name in names or "splits" in p.parts)]
    assert len(found) > 20
    return found


@pytest.mark.parametrize("examples", BUDGETS)
def test_fuzz_stored_files(examples: int, stored: Path, scratch: Callable[[], Path]) -> None:
    files = [p.relative_to(stored) for p in store_files(stored)]

    @st.composite
    def damaged(draw: st.DrawFn) -> tuple[Path, bytes]:
        name = draw(st.sampled_from(files))
        original = (stored / name).read_bytes()
        return name, draw(damage(original, name.suffix == ".json"))

    def check(case: tuple[Path, bytes]) -> None:
        name, data = case
        root = scratch()
        shutil.copytree(stored, root, dirs_exist_ok=True)
        (root / name).write_bytes(data)
        before = digests(root / "runs", root / name)
        home, runs = ["--data-dir", root / "home"], ["--results-dir", root / "runs"]
        suite = root / "suite.toml"
        invoke(["run", suite, "--dry-run", *home, *runs])
        invoke(["report", suite, *runs])
        invoke(["report", suite, *runs, "--format", "csv", "--table", "accuracy"])
        invoke(["datasets", *home])
        invoke(["datasets", "mine", *home])
        invoke(["download", "mine", *home])
        invoke(["download", "--file", root / "mine.csv", "--name", "mine", *home])
        assert digests(root / "runs", root / name) == before  # completed runs untouched
        try:  # the step before training, from the library: a Split or one error meant for the user
            from talosbench.data import prepare_split

            prepare_split("mine", "iid", 2024, data_dir=root / "home")
        except TalosbenchError:
            pass
        invoke(["download", "--file", root / "mine.csv", "--name", "mine", "--force", *home])

    fuzz("stored files", damaged(), check, examples)


def test_the_known_crashes_are_messages(tmp_path: Path, stored: Path) -> None:
    """The crashes issue 23 found, kept as examples: a UTF-16 and a Latin-1 suite, a corrupt source.json."""
    suite = tmp_path / "suite.toml"
    for data in (STORE_SUITE.encode("utf-16"), STORE_SUITE.replace("fuzz", "fuzzé").encode("latin-1")):
        suite.write_bytes(data)
        result = invoke(["run", suite, "--dry-run", "--results-dir", tmp_path / "runs"])
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {suite}: ")
    shutil.copytree(stored / "home", tmp_path / "home")
    (tmp_path / "home" / "mine" / "source.json").write_text('{"kind": "tab')
    home = ["--data-dir", tmp_path / "home"]
    for args in (["datasets"], ["download", "--file", stored / "mine.csv", "--name", "mine"]):
        invoke([*args, *home])
    fixed = invoke(["download", "--file", stored / "mine.csv", "--name", "mine", "--force", *home])
    assert fixed.exit_code == 0
