"""Read a suite TOML file and validate every key of it against the registries, before any work."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench.config import DEVICE, PER_LOSS_KEYS, TRAIN_KEYS
from talosbench.config import schema as setting_schema
from talosbench.hparams import HParam, HParamError
from talosbench.paths import name_problem
from talosbench.suite import components
from talosbench.suite.errors import SuiteError, did_you_mean, unknown
from talosbench.suite.schema import Component, Dim, EvalSettings, Suite
from talosbench.toml import tomllib

TABLES = ("suite", "train", "eval", "grid", "exclude", "datasets", "losses", "backbones")
SUITE_KEYS = (
    "name",
    "description",
    "seeds",
    "tuning_seed",
    "split_seed",
    "valid_metric",
    "budget",
    "sampler",
)
SAMPLERS = ("grid", "tpe")
"""``[suite] sampler`` values: a seeded draw made up front, or Optuna's TPE one trial at a time."""
GRID_KEYS = ("datasets", "scenarios", "backbones", "losses")
EXCLUDE_KEYS = ("dataset", "scenario", "backbone", "loss")
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def load_suite(path: str | Path, *, data_dir: Path | None = None) -> Suite:
    """Parse and validate the suite file at ``path``; any problem raises one SuiteError.

    ``data_dir`` is the data home the suite will run with: datasets imported there are valid names.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"{path}: no such suite file") from None
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read the suite file: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}") from None
    return parse_suite(data, path, data_dir=data_dir)


def parse_suite(
    data: Mapping[str, Any], source: str | Path = "<suite>", *, data_dir: Path | None = None
) -> Suite:
    """Validate a parsed TOML document; ``source`` names the file in error messages."""
    p = _Parser(str(source))
    p.keys(data, "", TABLES, kind="table")
    head = p.table(data, "suite", required=True)
    p.keys(head, "[suite]", SUITE_KEYS)
    name = p.get(head, "[suite]", "name", str, required=True)
    problem = name_problem(name)
    if problem is not None:
        raise p.error("[suite] name", problem)
    seeds = p.int_list(head, "[suite]", "seeds", default=[2024], low=0)
    if len(set(seeds)) != len(seeds):
        raise p.error("[suite] seeds", f"must not repeat a seed, got {seeds}")
    tuning_seed = p.get(head, "[suite]", "tuning_seed", int, low=0, default=0)
    if tuning_seed in seeds:  # a reported run must not be the trial that won the selection
        raise p.error(
            "[suite] tuning_seed",
            f"{tuning_seed} is one of the reported seeds {seeds}; tuning trials need a seed of their "
            "own: set tuning_seed to a value not in seeds",
        )
    budget = p.get(head, "[suite]", "budget", int, low=1)

    train = _train(p, p.table(data, "train"))
    ev = p.table(data, "eval")
    p.keys(ev, "[eval]", ("metrics", "ks"))
    ks = tuple(p.int_list(ev, "[eval]", "ks", default=[20], low=1))
    metric_names = components.metric_names()
    metrics = tuple(p.str_list(ev, "[eval]", "metrics", default=["precision", "recall", "ndcg"]))
    for i, metric in enumerate(metrics):
        if metric not in metric_names:
            raise unknown(p.source, f"[eval] metrics[{i}]", "metric", metric, metric_names)
    valid_metric = p.get(head, "[suite]", "valid_metric", str) or f"precision@{ks[0]}"
    _check_valid_metric(p, valid_metric, metric_names)

    grid = p.table(data, "grid", required=True)
    p.keys(grid, "[grid]", GRID_KEYS)
    datasets = p.str_list(grid, "[grid]", "datasets", required=True)
    scenarios = p.str_list(grid, "[grid]", "scenarios", default=["iid"])
    backbones = p.str_list(grid, "[grid]", "backbones", default=["mf"])
    labels = p.str_list(grid, "[grid]", "losses", required=True)
    p.names(
        datasets,
        "[grid] datasets",
        "dataset",
        components.dataset_names(data_dir),
        hint=components.import_hint(data_dir),
    )
    p.names(scenarios, "[grid] scenarios", "scenario", components.scenario_names())
    p.names(backbones, "[grid] backbones", "backbone", components.backbone_names())

    loss_tables = _loss_tables(p, p.table(data, "losses"), labels)
    backbone_tables = _backbone_tables(p, p.table(data, "backbones"), backbones)
    preprocess = _preprocess(p, p.table(data, "datasets"), datasets, data_dir)
    names = {"dataset": datasets, "scenario": scenarios, "backbone": backbones, "loss": labels}
    excludes = _excludes(p, data.get("exclude", []), names)
    suite = Suite(
        name=name,
        source=Path(source),
        description=p.get(head, "[suite]", "description", str) or "",
        seeds=tuple(seeds),
        split_seed=p.get(head, "[suite]", "split_seed", int, low=0, default=2024),
        valid_metric=valid_metric,
        budget=budget,
        train=train,
        eval=EvalSettings(metrics=metrics, ks=ks),
        datasets=tuple(datasets),
        scenarios=tuple(scenarios),
        backbones=tuple(backbones),
        losses=tuple(labels),
        excludes=tuple(excludes),
        preprocess=preprocess,
        loss_tables=loss_tables,
        backbone_tables=backbone_tables,
        tuning_seed=tuning_seed,
        sampler=_sampler(p, head, budget, loss_tables),
    )
    from talosbench.suite.expand import cells

    if not cells(suite):
        raise SuiteError(f"{p.source}: [grid]: the [[exclude]] tables drop every cell; nothing would run")
    return suite


class _Parser:
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
            raise self.error(f"[{key}]", f"must be a table, got {_show(value)}")
        return value

    def value(self, value: Any, path: str, kind: type, low: float | None = None) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(path, f"must be {_TYPE_NAMES[kind]}, got {_show(value)}")
        if kind is float and not math.isfinite(value):  # TOML reads nan and inf: every run would diverge
            raise self.error(path, f"must be a finite number, got {value!r}")
        if low is not None and value < low:
            raise self.error(path, f"must be >= {low:g}, got {value!r}")
        return value

    def setting(self, value: Any, path: str, name: str) -> Any:
        """A value of the run setting ``name``, checked against its ``RunConfig`` schema."""
        spec = setting_schema(name)
        return self.value(value, path, spec.type, spec.low)

    def get(
        self,
        table: Mapping[str, Any],
        path: str,
        key: str,
        kind: type,
        *,
        required: bool = False,
        low: float | None = None,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                raise self.error(f"{path} {key}", "missing; it is required")
            return default
        return self.value(table[key], f"{path} {key}", kind, low)

    def _list(self, table: Mapping[str, Any], path: str, key: str, required: bool, default: Any) -> list:
        if key not in table:
            if required:
                raise self.error(f"{path} {key}", "missing; it is required")
            return list(default)
        values = table[key]
        if not isinstance(values, list):
            raise self.error(f"{path} {key}", f"must be a list, got {_show(values)}")
        if not values:
            raise self.error(f"{path} {key}", "must not be empty")
        return values

    def int_list(
        self, table: Mapping[str, Any], path: str, key: str, *, default: Any = (), low: float | None = None
    ) -> list[int]:
        values = self._list(table, path, key, False, default)
        return [self.value(v, f"{path} {key}[{i}]", int, low) for i, v in enumerate(values)]

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


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _show(value: Any) -> str:
    kinds = {dict: "a table", list: "a list", bool: "a boolean", str: "a string", int: "an integer"}
    return f"{kinds.get(type(value), type(value).__name__)} ({value!r})"


def _train(p: _Parser, table: Mapping[str, Any]) -> dict[str, Any]:
    p.keys(table, "[train]", TRAIN_KEYS)
    values = {key: p.setting(table[key], f"[train] {key}", key) for key in table}
    device = values.get("device", "auto")
    if not DEVICE.match(device):
        raise p.error("[train] device", f"must be auto, cpu, cuda or cuda:N, got {device!r}")
    return values


def _check_valid_metric(p: _Parser, valid_metric: str, metric_names: list[str]) -> None:
    name, _, k = valid_metric.partition("@")
    if not k.isdigit() or int(k) < 1:
        raise p.error(
            "[suite] valid_metric", f"must look like 'precision@20' (metric@K), got {valid_metric!r}"
        )
    if name not in metric_names:
        raise unknown(p.source, "[suite] valid_metric", "metric", name, metric_names)


def _component(
    p: _Parser,
    path: str,
    label: str,
    name: str,
    table: Mapping[str, Any],
    schema: tuple[HParam, ...],
    scope: str,
    extra: tuple[str, ...],
) -> Component:
    """Split a component table into fixed values and tuning dimensions, validating each value."""
    by_name = {h.name: h for h in schema}
    allowed = (*by_name, *extra)
    fixed: dict[tuple[Any, str], Any] = {}
    dims: list[Dim] = []
    for key, raw in table.items():
        if key in ("loss", "budget"):
            continue
        if key not in allowed:
            raise SuiteError(
                f"{p.source}: {path} {key}: unknown hyper-parameter of {scope} '{name}'."
                f"{did_you_mean(key, allowed)} Valid: {', '.join(allowed) or '(none)'}."
            )
        where = "train" if key in PER_LOSS_KEYS else scope
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            raise p.error(f"{path} {key}", "an empty list has no value to try; give a value or a list")
        checked = []
        for i, value in enumerate(values):
            key_path = f"{path} {key}" + (f"[{i}]" if isinstance(raw, list) else "")
            if key in by_name:
                try:
                    checked.append(by_name[key].validate(value))
                except HParamError as exc:
                    raise p.error(key_path, f"{exc} ({by_name[key].help})") from None
            else:
                checked.append(p.setting(value, key_path, key))
        if len(set(map(repr, checked))) != len(checked):
            raise p.error(f"{path} {key}", f"must not repeat a value, got {checked}")
        if isinstance(raw, list) and len(checked) > 1:
            dims.append(Dim(where, key, tuple(checked)))  # type: ignore[arg-type]
        else:
            fixed[(where, key)] = checked[0]
    budget = p.get(table, path, "budget", int, low=1)
    return Component(label=label, name=name, fixed=fixed, dims=tuple(dims), budget=budget)


def _sampler(p: _Parser, head: Mapping[str, Any], budget: int | None, losses: dict[str, Component]) -> str:
    """``[suite] sampler``; TPE proposes trials until a budget is spent, so every loss needs one."""
    sampler = p.get(head, "[suite]", "sampler", str, default="grid")
    if sampler not in SAMPLERS:
        raise unknown(p.source, "[suite] sampler", "sampler", sampler, list(SAMPLERS))
    unbudgeted = [label for label, table in losses.items() if table.budget is None]
    if sampler == "tpe" and budget is None and unbudgeted:
        raise p.error(
            "[suite] sampler",
            f'"tpe" proposes trials until a budget is spent, but loss {unbudgeted[0]!r} has none: set '
            "[suite] budget (or budget in every [losses.<label>] table)",
        )
    return sampler


def _loss_path(label: str) -> str:
    """``[losses.talos]``, or ``[losses."talos@50"]`` where TOML needs the quotes."""
    return f"[losses.{label}]" if BARE_KEY.match(label) else f'[losses."{label}"]'


def _loss_tables(p: _Parser, tables: Mapping[str, Any], labels: list[str]) -> dict[str, Component]:
    losses = components.loss_names()
    for label in tables:
        if label not in labels:
            raise p.error(
                _loss_path(label),
                f"is not in [grid] losses.{did_you_mean(label, labels)} Grid losses: {', '.join(labels)}.",
            )
    out = {}
    for i, label in enumerate(labels):
        table = tables.get(label, {})
        path = _loss_path(label)
        if not isinstance(table, dict):
            raise p.error(path, f"must be a table, got {_show(table)}")
        if "loss" in table:
            name = p.get(table, path, "loss", str)
            if name not in losses:
                raise unknown(p.source, f"{path} loss", "loss", name, losses)
        elif label in losses:
            name = label
        else:
            raise SuiteError(
                f"{p.source}: [grid] losses[{i}]: unknown loss '{label}'.{did_you_mean(label, losses)} "
                f'Valid choices: {", ".join(sorted(losses))}. (An alias needs a [losses."{label}"] '
                f'table with loss = "<registered name>".)'
            )
        schema = components.loss_schema(name)
        out[label] = _component(p, path, label, name, table, schema, "loss", PER_LOSS_KEYS)
    return out


def _backbone_tables(p: _Parser, tables: Mapping[str, Any], backbones: list[str]) -> dict[str, Component]:
    for name in tables:
        if name not in backbones:
            raise p.error(
                f"[backbones.{name}]",
                f"is not in [grid] backbones.{did_you_mean(name, backbones)} "
                f"Grid backbones: {', '.join(backbones)}.",
            )
    out = {}
    for name in backbones:
        table = tables.get(name, {})
        path = f"[backbones.{name}]"
        if not isinstance(table, dict):
            raise p.error(path, f"must be a table, got {_show(table)}")
        if "loss" in table or "budget" in table:
            key = "loss" if "loss" in table else "budget"
            raise p.error(f"{path} {key}", "only a [losses.<label>] table takes this key")
        out[name] = _component(p, path, name, name, table, components.backbone_schema(name), "backbone", ())
    return out


def _preprocess(
    p: _Parser, tables: Mapping[str, Any], datasets: list[str], data_dir: Path | None
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        path = f"[datasets.{name}]"
        if name not in datasets:
            raise p.error(
                path,
                f"is not in [grid] datasets.{did_you_mean(name, datasets)} "
                f"Grid datasets: {', '.join(datasets)}.",
            )
        if not isinstance(table, dict):
            raise p.error(path, f"must be a table, got {_show(table)}")
        defaults = components.preprocess_defaults(name, data_dir)
        values = {}
        for key, value in table.items():
            if key not in defaults:
                raise SuiteError(
                    f"{p.source}: {path} {key}: unknown preprocessing option of dataset '{name}'."
                    f"{did_you_mean(key, defaults)} Valid: {', '.join(defaults) or '(none)'}."
                )
            default = defaults[key]
            # The catalog default tells the type: integers stay integers, a None default takes a number.
            kind = int if isinstance(default, int) and not isinstance(default, bool) else type(default)
            kind = float if default is None or kind is float else kind
            values[key] = p.value(value, f"{path} {key}", kind, 0 if kind in (int, float) else None)
            choices = components.option_choices(key)
            if choices is not None and value not in choices:
                raise p.error(f"{path} {key}", f"must be one of {', '.join(choices)}, got {value!r}")
        out[name] = values
    return out


def _excludes(p: _Parser, tables: Any, grid: Mapping[str, list[str]]) -> list[dict[str, tuple[str, ...]]]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise p.error("[[exclude]]", "must be an array of tables ([[exclude]] headers)")
    out = []
    for i, table in enumerate(tables):
        path = f"[[exclude]] #{i + 1}"
        p.keys(table, path, EXCLUDE_KEYS)
        if not table:
            raise p.error(path, f"is empty and would drop every cell; give some of {', '.join(EXCLUDE_KEYS)}")
        rule = {}
        for key, raw in table.items():
            values = raw if isinstance(raw, list) else [raw]
            values = [p.value(v, f"{path} {key}", str) for v in values]
            p.names(values, f"{path} {key}", key, grid[key])
            rule[key] = tuple(values)
        out.append(rule)
    return out
