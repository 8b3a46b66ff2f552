"""Packages that load their public names on first use (``talosbench.lazy``) export what they declare."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import talosbench

ROOT = Path(talosbench.__file__).parent
LAZY = sorted(
    ".".join(("talosbench", *init.parent.relative_to(ROOT).parts))
    for init in ROOT.rglob("__init__.py")
    if "lazy_exports(" in init.read_text()
)
"""Every package whose ``__init__`` uses ``lazy_exports``."""


def _declared(package: str) -> dict[str, str]:
    """The names its ``__init__`` imports under ``if TYPE_CHECKING:``, each with its module."""
    tree = ast.parse(Path(importlib.import_module(package).__file__ or "").read_text())
    blocks = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    return {
        alias.name: node.module or ""
        for block in blocks
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_the_lazy_packages_are_found() -> None:
    assert {"talosbench.data", "talosbench.report", "talosbench.runner"} <= set(LAZY)


@pytest.mark.parametrize("package", LAZY)
def test_every_exported_name_is_the_object_of_the_module_it_is_declared_from(package: str) -> None:
    module = importlib.import_module(package)
    declared = _declared(package)
    eager = {name for name in module.__all__ if name in vars(module) and name not in declared}
    assert set(declared) | eager == set(module.__all__)
    for name, source in declared.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name), (package, name)


@pytest.mark.parametrize("package", LAZY)
def test_no_exported_name_is_a_module_of_the_package(package: str) -> None:
    # Importing a module of a package sets it as the package's attribute of that name: an exported
    # function of the same name read after it would come back as the module.
    module = importlib.import_module(package)
    modules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert not modules & set(module.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    import talosbench.data

    with pytest.raises(AttributeError, match=r"'talosbench\.data' has no attribute 'prepare_everything'"):
        talosbench.data.prepare_everything  # noqa: B018
    assert not hasattr(talosbench.data, "prepare_everything")
