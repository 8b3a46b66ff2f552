"""What a package's modules declare (names, hyper-parameter schemas, traits), read without torch.

A loss or backbone declares its ``name``, ``hparams`` and traits as class attributes, and the class
is a torch module. Validating a suite file needs the declarations only, and importing torch takes
a second, so ``read`` executes a module's source in a private namespace where whatever it imports
from outside is an inert stand-in: standard-library modules and ``REAL`` are imported for real,
modules of the same top-level package are read the same way (never entering ``sys.modules``), and
everything else (torch, numpy) becomes a ``_StandIn``. A stand-in absorbs attribute access, calls
and arithmetic and drops out of a class's bases, so ``class SL(Loss)`` with ``Loss(nn.Module)``
still gets every plain attribute SL and Loss declare, and ``@register`` runs for real.

A declaration computed from a stand-in would be meaningless: ``plain`` rejects one loudly, and a
module that cannot run this way raises ``DeclarationError`` naming it. ``tests/suite/
test_components.py`` checks that every shipped loss, backbone and metric reads here exactly as the
imported classes declare it.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from talosbench.errors import FAILED, TalosbenchError

REAL = frozenset({"talosbench.hparams", "talosbench.registry"})
"""Modules of this package without third-party imports whose objects declarations hold (``HParam``,
``Registry``): imported for real, so what is read compares equal to what the classes declare."""


class DeclarationError(TalosbenchError, RuntimeError):
    """A module or declaration that cannot be read without importing what it imports."""

    exit_code = FAILED


class _StandIn:
    """An object imported from outside (``torch``, ``nn.Module``); absorbs whatever is done to it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<stand-in for {self._name}>"

    def __getattr__(self, attr: str) -> _StandIn:
        if attr.startswith("__"):  # keep Python's protocols (copy, pickle, ...) away from it
            raise AttributeError(attr)
        return _StandIn(f"{self._name}.{attr}")

    def __call__(self, *args: Any, **kwargs: Any) -> _StandIn:
        return _StandIn(f"{self._name}()")

    def __getitem__(self, key: Any) -> _StandIn:
        return _StandIn(f"{self._name}[...]")

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return ()  # as a base class it contributes nothing: only the package's own classes declare

    def _absorb(self, *other: Any) -> _StandIn:
        return _StandIn(f"an expression of {self._name}")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __or__ = __ror__ = _absorb


def _is_real(name: str) -> bool:
    return name in REAL or name.split(".")[0] in sys.stdlib_module_names


_cache: dict[str, types.ModuleType] = {}
ALIAS = "<declared>."
"""Prefix of the ``sys.modules`` name of a module that ``read`` executed."""


def read(name: str) -> types.ModuleType:
    """Module ``name`` executed with stand-ins for what it imports from outside its top-level package.

    Cached: each module is read once per process, like an import. Its package's ``__init__`` is not
    run unless read itself (``talosbench.losses`` imports every loss for real). The module enters
    ``sys.modules`` only under the alias ``ALIAS + name`` (``dataclasses`` looks classes up there),
    so an import of ``name`` still gets the real module.
    """
    if name in _cache:
        return _cache[name]
    path = _source(name)
    alias = ALIAS + name
    module = types.ModuleType(alias)
    module.__file__ = str(path)
    module.__package__ = name if path.name == "__init__.py" else name.rpartition(".")[0]
    module.__dict__["__builtins__"] = {**vars(builtins), "__import__": _importer(name.split(".")[0])}
    _cache[name] = sys.modules[alias] = module  # before it runs: an import cycle sees it, as in Python
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec", dont_inherit=True), module.__dict__)
    except Exception as exc:
        del _cache[name], sys.modules[alias]
        if isinstance(exc, DeclarationError):  # a module it imports: that one is named already
            raise
        raise DeclarationError(
            f"cannot read the declarations of {name} ({path}) without importing its dependencies: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return module


def package_modules(package: str) -> list[str]:
    """The modules of ``package`` in the order ``pkgutil.iter_modules`` lists them (by name)."""
    folder = _source(package).parent
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    names += sorted(p.parent.name for p in folder.glob("*/__init__.py"))
    return [f"{package}.{n}" for n in sorted(names)]


def _source(name: str) -> Path:
    """The source file of module ``name``, found without importing it or its parent packages."""
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise DeclarationError(f"cannot find the package {top} of {name}")
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    raise DeclarationError(f"cannot find the source of {name} (looked for {base}.py)")


def _importer(top: str) -> Any:
    """``__import__`` for modules read from package ``top``: real, read, or a stand-in."""

    def load(
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Any = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> Any:
        if level:
            base = (globals or {})["__package__"].rsplit(".", level - 1)[0]
            name = f"{base}.{name}" if name else base
        if _is_real(name):
            return builtins.__import__(name, None, None, fromlist or (), 0)
        if name.split(".")[0] != top:
            return _StandIn(name)
        module = read(name)
        for item in fromlist or ():
            if not hasattr(module, item) and _has_source(f"{name}.{item}"):
                setattr(module, item, read(f"{name}.{item}"))
        return module if fromlist else _chain(name, module)

    return load


def _chain(name: str, leaf: types.ModuleType) -> types.ModuleType:
    """What ``import a.b.c`` binds (``a``): empty packages down to ``leaf``, whose ``__init__`` is not run."""
    parts = name.split(".")
    top = child = types.ModuleType(parts[0])
    for i in range(1, len(parts)):
        nxt = leaf if i == len(parts) - 1 else types.ModuleType(".".join(parts[: i + 1]))
        setattr(child, parts[i], nxt)
        child = nxt
    return leaf if len(parts) == 1 else top


def _has_source(name: str) -> bool:
    try:
        _source(name)
    except DeclarationError:
        return False
    return True


def plain(value: Any, what: str) -> Any:
    """``value`` when nothing in it came from a stand-in; a DeclarationError naming ``what`` otherwise."""
    if isinstance(value, _StandIn):
        raise DeclarationError(f"{what} is computed from {value._name}, which is only known by importing it")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            plain(getattr(value, f.name), f"{what}.{f.name}")
    elif isinstance(value, (tuple, list, set, frozenset)):
        for i, item in enumerate(value):
            plain(item, f"{what}[{i}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            plain(item, f"{what}[{key!r}]")
    return value


__all__ = ["REAL", "DeclarationError", "package_modules", "plain", "read"]
