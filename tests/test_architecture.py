"""The layer contract of docs/architecture.md §4: imports only point down, and suites need no torch.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks every import of
the package, those inside functions included, and prints which chain breaks a contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

from talosbench.toml import tomllib

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "pyproject.toml")
LINT = (
    "from importlinter.cli import lint_imports\n"
    "raise SystemExit(lint_imports({!r}, no_cache=True, no_logo=True))"
)


def test_every_import_follows_the_layer_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(CONFIG, no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    with open(CONFIG, "rb") as handle:
        contracts = tomllib.load(handle)["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in report


def test_a_wrong_way_import_breaks_the_contract(tmp_path: Path) -> None:
    # A copy of the package where the data layer imports the CLI inside a function.
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "talosbench", tmp_path / "talosbench", ignore=skip)
    with (tmp_path / "talosbench" / "data" / "catalog.py").open("a") as f:
        f.write("\n\ndef _late() -> None:\n    from talosbench.cli import app  # noqa: F401\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", LINT.format(CONFIG)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "talosbench.data is not allowed to import talosbench.cli" in out.stdout
    assert "talosbench.data.catalog -> talosbench.cli" in out.stdout
