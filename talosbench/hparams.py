"""Typed hyper-parameter schemas shared by losses and backbones."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbench.errors import USAGE, TalosbenchError


class HParamError(TalosbenchError, ValueError):
    """A hyper-parameter value that does not fit its schema.

    ``problem`` is what is wrong without the parameter's name (``must be >= 1, got 0``), for callers
    that name the value their own way (a suite file's table and key).
    """

    exit_code = USAGE

    def __init__(self, message: str, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = message if problem is None else problem


TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
"""How a message names the type a value must have."""


def shown(value: Any) -> str:
    """A value in a message, with what it is: ``a string ('3')``, ``an integer (1)``, ``a list ([])``."""
    kinds = {dict: "a table", list: "a list", bool: "a boolean", str: "a string", int: "an integer"}
    return f"{kinds.get(type(value), type(value).__name__)} ({value!r})"


@dataclass(frozen=True)
class HParam:
    """One hyper-parameter: its type, default, the paper's search space and a one-line help."""

    name: str
    type: type
    default: Any
    help: str
    space: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = field(default=())

    def validate(self, value: Any, where: str = "") -> Any:
        """Return ``value`` coerced to this parameter's type, or raise HParamError saying why."""
        label = f"{where}{self.name}"
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        problem = self._problem(value)
        if problem is not None:
            raise HParamError(f"{label} {problem}", problem)
        return value

    def _problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` (already coerced), or None."""
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            return f"must be {TYPE_WORDS.get(self.type, self.type.__name__)}, got {shown(value)}"
        if isinstance(value, float) and not math.isfinite(value):  # nan/inf pass every bound below
            return f"must be a finite number, got {value!r}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}, got {value!r}"
        below = self.low is not None and value < self.low
        above = self.high is not None and value > self.high
        if (below or above) and self.low is not None and self.high is not None:
            return f"must be between {bound(self.low)} and {bound(self.high)}, got {value!r}"
        if below:
            return f"must be >= {bound(self.low)}, got {value!r}"  # type: ignore[arg-type]
        if above:
            return f"must be <= {bound(self.high)}, got {value!r}"  # type: ignore[arg-type]
        return None


def bound(limit: float) -> str:
    """A bound as a message shows it: every digit of an integer (a seed's 2**63 - 1), floats short."""
    return str(limit) if isinstance(limit, int) else f"{limit:g}"


def resolve(schema: Sequence[HParam], values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Defaults overlaid with ``values``; unknown names and bad values raise HParamError."""
    by_name = {p.name: p for p in schema}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        valid = ", ".join(by_name) or "(none)"
        raise HParamError(f"unknown hyper-parameter {where}{unknown[0]}; valid: {valid}")
    out = {p.name: p.default for p in schema}
    for name, value in values.items():
        out[name] = by_name[name].validate(value, where)
    return out
