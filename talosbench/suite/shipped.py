"""The suites shipped with talosbench: found by name, listed, and read without validating them.

Their one source is the repository's top-level ``suites/`` folder; a wheel installs a copy of it as
``talosbench/suites`` (setup.py). An installed copy wins; a source checkout (an editable install, or
``PYTHONPATH`` pointing at it) reads ``suites/`` beside the package, so an edit there shows at once.
"""

from __future__ import annotations

from pathlib import Path

from talosbench.suite.errors import SuiteError
from talosbench.toml import tomllib

_PACKAGE = Path(__file__).resolve().parents[1]
INSTALLED_DIR = _PACKAGE / "suites"
"""Where a wheel puts the shipped suites."""
CHECKOUT_DIR = _PACKAGE.parent / "suites"
"""``suites/`` beside the package in a source checkout."""
SUITES_DIR = INSTALLED_DIR if INSTALLED_DIR.is_dir() else CHECKOUT_DIR
"""The folder the shipped suites are read from."""

DEFAULT_DATASETS = ("synthetic", "movielens-100k")
"""What ``talosbench download`` fetches when no shipped suite names a dataset."""


def shipped_suites(folder: Path = SUITES_DIR) -> dict[str, Path]:
    """Every shipped suite file by name (its file name without ``.toml``), in name order."""
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def find_suite(spec: str | Path, folder: Path = SUITES_DIR) -> Path:
    """The suite file ``spec`` names: a path to a file, else the name of a shipped suite.

    A file wins over a shipped suite of the same name, so a user's own ``quick.toml`` is never
    shadowed; ``quick`` and ``quick.toml`` name the shipped one when no such file exists.
    """
    path = Path(spec)
    if path.is_file():
        return path
    shipped = shipped_suites(folder)
    name = path.name.removesuffix(".toml")
    if path.name == str(spec) and name in shipped:  # a bare name, not a path to a missing file
        return shipped[name]
    if path.is_dir():
        raise SuiteError(f"{spec}: is a folder; give a suite file, or the name of a shipped suite")
    names = ", ".join(shipped) or "(none found)"
    raise SuiteError(
        f"{spec}: no such suite file, nor a shipped suite of that name; shipped suites: {names} "
        "(`talosbench suites` describes them, `talosbench init NAME` writes a suite to edit)"
    )


def shipped_datasets(folder: Path = SUITES_DIR) -> list[str]:
    """Datasets named in the ``[grid] datasets`` lists of ``folder/*.toml``, in order, else the default pair.

    Only that list is read: a suite that does not parse, or names something unknown elsewhere, still
    tells which datasets to fetch, and reading it costs no registry import.
    """
    names: list[str] = []
    for path in shipped_suites(folder).values():
        try:
            grid = tomllib.loads(path.read_text(encoding="utf-8")).get("grid", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for entry in grid.get("datasets", []) if isinstance(grid, dict) else []:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names or list(DEFAULT_DATASETS)
