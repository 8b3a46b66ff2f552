"""Typed hyper-parameter schemas shared by losses and backbones."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbench.errors import USAGE, TalosbenchError


class HParamError(TalosbenchError, ValueError):
    """A hyper-parameter value that does not fit its schema."""

    exit_code = USAGE


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
        if self.type is bool and not isinstance(value, bool):
            raise HParamError(f"{label} must be true or false, got {value!r}")
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise HParamError(f"{label} must be of type {self.type.__name__}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):  # nan/inf pass every bound below
            raise HParamError(f"{label} must be a finite number, got {value!r}")
        if self.choices and value not in self.choices:
            raise HParamError(f"{label} must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        if self.low is not None and value < self.low:
            raise HParamError(f"{label} must be >= {self.low}, got {value!r}")
        if self.high is not None and value > self.high:
            raise HParamError(f"{label} must be <= {self.high}, got {value!r}")
        return value


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
