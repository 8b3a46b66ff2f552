"""Enumerations of the library's names, so that ``--help`` and shell completion list the choices."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


def choices(name: str, values: Iterable[str]) -> type[Enum]:
    """A str-valued Enum whose members are ``values`` (member name = value) in the given order."""
    return Enum(name, [(value, value) for value in values], type=str)  # type: ignore[return-value]
