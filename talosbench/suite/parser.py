"""Typed look-ups in a parsed suite file that raise one SuiteError naming the file and the key path.

Values are checked as every setting and hyper-parameter is (``HParam.validate``, ``RunConfig``'s
``check_setting``); only the message is the suite's: ``<file>: <table> <key>: <problem>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from talosbench.config import check_setting
from talosbench.hparams import HParam, HParamError, shown
from talosbench.suite.errors import SuiteError, did_you_mean, unknown


class Parser:
    """Typed look-ups that raise SuiteErrors naming the file and the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, message: str) -> SuiteError:
        return SuiteError(f"{self.source}: {path}: {message}")

    def keys(self, table: Mapping[str, Any], path: str, allowed: tuple[str, ...], kind: str = "key") -> None:
        for key in table:
            if key not in allowed:
                where = f"{path} {key}" if path else key
                raise SuiteError(
                    f"{self.source}: {where}: unknown {kind}.{did_you_mean(key, allowed)} "
                    f"Valid {kind}s{' in ' + path if path else ''}: {', '.join(allowed)}."
                )

    def table(self, data: Mapping[str, Any], key: str, required: bool = False) -> dict[str, Any]:
        if key not in data:
            if required:
                raise SuiteError(f"{self.source}: [{key}]: missing table; every suite needs one")
            return {}
        value = data[key]
        if not isinstance(value, dict):
            raise self.error(f"[{key}]", f"must be a table, got {shown(value)}")
        return value

    def value(
        self,
        value: Any,
        path: str,
        kind: type,
        low: float | None = None,
        choices: tuple[str, ...] = (),
        high: float | None = None,
    ) -> Any:
        """``value`` as a ``kind`` (within ``low``..``high``, one of ``choices``), checked like parameters."""
        try:
            return HParam(path, kind, None, "", low=low, high=high, choices=choices).validate(value)
        except HParamError as exc:
            raise self.error(path, exc.problem) from None

    def setting(self, value: Any, path: str, name: str) -> Any:
        """A value of the run setting ``name``, checked as ``RunConfig`` checks it."""
        try:
            return check_setting(name, value)
        except HParamError as exc:
            raise self.error(path, exc.problem) from None

    def get(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        kind: type,
        *,
        required: bool = False,
        low: float | None = None,
        high: float | None = None,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                raise self.error(f"{path} {key}", "missing; it is required")
            return default
        return self.value(table[key], f"{path} {key}", kind, low, high=high)

    def _list(self, table: Mapping[str, Any], path: str, key: str, required: bool, default: Any) -> list:
        if key not in table:
            if required:
                raise self.error(f"{path} {key}", "missing; it is required")
            return list(default)
        values = table[key]
        if not isinstance(values, list):
            raise self.error(f"{path} {key}", f"must be a list, got {shown(values)}")
        if not values:
            raise self.error(f"{path} {key}", "must not be empty")
        return values

    def int_list(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        *,
        default: Any = (),
        low: float | None = None,
        high: float | None = None,
    ) -> list[int]:
        values = self._list(table, path, key, False, default)
        return [self.value(v, f"{path} {key}[{i}]", int, low, high=high) for i, v in enumerate(values)]

    def str_list(
        self, table: Mapping[str, Any], path: str, key: str, *, required: bool = False, default: Any = ()
    ) -> list[str]:
        values = self._list(table, path, key, required, default)
        out = [self.value(v, f"{path} {key}[{i}]", str) for i, v in enumerate(values)]
        if len(set(out)) != len(out):
            raise self.error(f"{path} {key}", f"must not repeat a name, got {out}")
        return out

    def names(self, values: list[str], path: str, kind: str, choices: list[str], hint: str = "") -> None:
        for i, value in enumerate(values):
            if value not in choices:
                raise SuiteError(f"{unknown(self.source, f'{path}[{i}]', kind, value, choices)}{hint}")
