"""One small typed registry per kind of component (datasets, scenarios, backbones, losses)."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from talosbench.errors import USAGE, TalosbenchError

T = TypeVar("T")


class UnknownNameError(TalosbenchError, KeyError):
    """A name that is not registered; the message lists the valid choices and the closest match."""

    exit_code = USAGE

    def __init__(self, kind: str, name: str, choices: list[str]) -> None:
        self.kind, self.name, self.choices = kind, name, choices
        close = difflib.get_close_matches(name, choices, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        super().__init__(f"unknown {kind} '{name}'.{hint} Valid choices: {', '.join(choices)}.")

    def __str__(self) -> str:
        return str(self.args[0])


class Registry(Generic[T]):
    """Maps short stable names to components of one kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name``; a duplicate name is a programming error."""

        def add(obj: T) -> T:
            self.add(name, obj)
            return obj

        return add

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._items[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self.names()) from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def import_modules(package: str, path: Iterable[str]) -> None:
    """Import every module of ``package`` (found on its ``__path__``, ``path``) in name order.

    A component package calls it from its ``__init__``, so that each module's registrations run and a
    new module file is picked up with no other edit (losses, backbones and their declarations).
    """
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")
