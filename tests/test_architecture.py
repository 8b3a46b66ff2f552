"""The layer contract of docs/architecture.md §4: imports only point down, never in a cycle, and suites
need no torch.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks every import of
the package, those inside functions included, and prints which chain breaks a contract. The cycle
check is a test over import-linter's graph (grimp), because its ``acyclic_siblings`` contract does not
see a cycle through a package's ``__init__`` (a module importing the package that re-exports it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "pyproject.toml")
LINT = (
    "from importlinter.cli import lint_imports\n"
    "raise SystemExit(lint_imports({!r}, no_cache=True, no_logo=True))"
)
CYCLES = (
    "import sys\n"
    "sys.path.insert(0, {!r})\n"
    "from test_architecture import import_cycles\n"
    "print(import_cycles())"
)


def import_cycles(package: str = "talosbench") -> str:
    """Every set of modules of ``package`` that import one another in a circle, with the imports between
    them; empty when there is none.

    Every import counts: inside functions and under ``TYPE_CHECKING`` too (a type-only loop still ties
    the modules together), and a package ``__init__``'s imports of its modules, so that a module importing
    its own package's re-exports is a cycle, as it is when Python runs it. Not counted: the import of a
    package that Python makes before each of its modules, which would put every re-export in a loop.
    """
    graph = grimp.build_graph(package, cache_dir=None)
    seen: set[str] = set()
    lines = []
    for module in sorted(graph.modules):
        loop = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if module in seen or not loop:
            continue
        members = sorted(loop | {module})
        seen.update(members)
        edges = [
            f"  {a} -> {b}"
            for a in members
            for b in members
            if graph.direct_import_exists(importer=a, imported=b)
        ]
        lines += [f"cycle of {len(members)} modules:", *edges]
    return "\n".join(lines)


def test_no_module_of_the_package_takes_part_in_an_import_cycle() -> None:
    cycles = import_cycles()
    print(cycles or "no import cycle")
    assert cycles == ""


def test_an_import_back_through_a_package_init_is_a_cycle(tmp_path: Path) -> None:
    # A copy of the package where the runner's plan imports from the runner package, which imports it.
    shutil.copytree(
        ROOT / "talosbench", tmp_path / "talosbench", ignore=shutil.ignore_patterns("__pycache__")
    )
    with (tmp_path / "talosbench" / "runner" / "plan.py").open("a") as f:
        f.write("\n\ndef _late() -> None:\n    from talosbench.runner import Summary  # noqa: F401\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    code = CYCLES.format(str(Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "talosbench.runner -> talosbench.runner.plan" in out.stdout  # through cell_state, suite_run, ...
    assert "talosbench.runner.plan -> talosbench.runner\n" in out.stdout + "\n"


def test_every_import_follows_the_layer_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(CONFIG, no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "2 kept, 0 broken" in report


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
