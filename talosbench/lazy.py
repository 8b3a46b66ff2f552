"""Package names loaded on first use (PEP 562), so that importing a package's light modules stays light.

``import talosbench.data.store`` runs ``talosbench/data/__init__.py`` first; if that imported the whole
public API, the CLI's ``--help`` and shell completion would load polars and numpy for one constant.
Such a package imports its public names under ``TYPE_CHECKING`` (for type checkers and import-linter)
and lets ``lazy_exports`` import their modules when one of them is first read.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any


def lazy_exports(package: str, modules: Sequence[str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: a name of its ``__all__`` it does not define is read
    from the first of its ``modules`` (``"scenarios"``: ``<package>.scenarios``) that has it; reading
    one imports them all."""

    def __getattr__(name: str) -> Any:
        home = sys.modules[package]
        if name in getattr(home, "__all__", ()):
            for module in modules:
                loaded = importlib.import_module(f"{package}.{module}")
                if hasattr(loaded, name):
                    value = getattr(loaded, name)
                    setattr(home, name, value)  # later reads find it without this function
                    return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
