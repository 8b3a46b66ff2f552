"""The suites shipped in the repository's ``suites/`` folder, read without validating them."""

from __future__ import annotations

from pathlib import Path

from talosbench.toml import tomllib

SUITES_DIR = Path(__file__).resolve().parents[2] / "suites"
"""``suites/`` beside the package in a source checkout (absent from an installed wheel)."""

DEFAULT_DATASETS = ("synthetic", "movielens-100k")
"""What ``talosbench download`` fetches when no shipped suite names a dataset."""


def shipped_datasets(folder: Path = SUITES_DIR) -> list[str]:
    """Datasets named in the ``[grid] datasets`` lists of ``folder/*.toml``, in order, else the default pair.

    Only that list is read: a suite that does not parse, or names something unknown elsewhere, still
    tells which datasets to fetch, and reading it costs no registry import.
    """
    names: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            grid = tomllib.loads(path.read_text(encoding="utf-8")).get("grid", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for entry in grid.get("datasets", []) if isinstance(grid, dict) else []:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names or list(DEFAULT_DATASETS)
