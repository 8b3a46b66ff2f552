"""Read a suite TOML file and validate every key of it against the registries, before any work."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from talosbench.config import PER_LOSS_KEYS, PRUNERS, SEED_MAX, TRAIN_KEYS
from talosbench.declared.base import Declaration
from talosbench.hparams import HParamError, shown
from talosbench.paths import suite_name_problem
from talosbench.suite import components
from talosbench.suite.errors import SuiteError, did_you_mean, unknown
from talosbench.suite.parser import Parser
from talosbench.suite.schema import Component, Dim, EvalSettings, Suite
from talosbench.toml import tomllib

TABLES = ("suite", "train", "eval", "grid", "exclude", "datasets", "losses", "backbones")
SUITE_KEYS = (
    "name",
    "description",
    "seeds",
    "tuning_seed",
    "split_seed",
    "vary_split",
    "valid_metric",
    "budget",
    "extra_budget",
    "sampler",
    "pruner",
)
EXTRA_BUDGET = 6
"""Default second-stage trials of a loss's own dimensions (docs/protocol.md §7): BSL's whole τ₂ grid."""
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
    return parse_suite(read_suite_file(path), path, data_dir=data_dir)


def read_suite_file(path: Path) -> dict[str, Any]:
    """The TOML tables of the suite file at ``path``, unchecked; a file that does not read is a SuiteError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SuiteError(f"{path}: no such suite file") from None
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read the suite file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SuiteError(
            f"{path}: {_not_utf8(raw, exc)}; save it as UTF-8, the encoding TOML requires"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}") from None


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    """Why ``raw`` is not UTF-8, naming the encoding it was likely saved in (a BOM says UTF-16 or UTF-32)."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            return f"saved as {encoding}, not UTF-8"
    line = raw[: exc.start].count(b"\n") + 1
    return f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}; Latin-1 or another 8-bit encoding?)"


def parse_suite(
    data: Mapping[str, Any], source: str | Path = "<suite>", *, data_dir: Path | None = None
) -> Suite:
    """Validate a parsed TOML document; ``source`` names the file in error messages."""
    p = Parser(str(source))
    p.keys(data, "", TABLES, kind="table")
    head = p.table(data, "suite", required=True)
    p.keys(head, "[suite]", SUITE_KEYS)
    name = p.get(head, "[suite]", "name", str, required=True)
    problem = suite_name_problem(name)
    if problem is not None:
        raise p.error("[suite] name", problem)
    seeds = p.int_list(head, "[suite]", "seeds", default=[2024], low=0, high=SEED_MAX)
    if len(set(seeds)) != len(seeds):
        raise p.error("[suite] seeds", f"must not repeat a seed, got {seeds}")
    tuning_seed = p.get(head, "[suite]", "tuning_seed", int, low=0, high=SEED_MAX, default=0)
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
        split_seed=p.get(head, "[suite]", "split_seed", int, low=0, high=SEED_MAX, default=2024),
        vary_split=p.get(head, "[suite]", "vary_split", bool, default=False),
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
        extra_budget=p.get(head, "[suite]", "extra_budget", int, low=0, default=EXTRA_BUDGET),
        sampler=_sampler(p, head, budget, loss_tables),
        pruner=_pruner(p, head),
    )
    from talosbench.suite.expand import cells

    if not cells(suite):
        raise SuiteError(f"{p.source}: [grid]: the [[exclude]] tables drop every cell; nothing would run")
    return suite


def _train(p: Parser, table: Mapping[str, Any]) -> dict[str, Any]:
    p.keys(table, "[train]", TRAIN_KEYS)
    return {key: p.setting(table[key], f"[train] {key}", key) for key in table}


def _check_valid_metric(p: Parser, valid_metric: str, metric_names: list[str]) -> None:
    name, _, k = valid_metric.partition("@")
    if not k.isdigit() or int(k) < 1:
        raise p.error(
            "[suite] valid_metric", f"must look like 'precision@20' (metric@K), got {valid_metric!r}"
        )
    if name not in metric_names:
        raise unknown(p.source, "[suite] valid_metric", "metric", name, metric_names)


def _component(
    p: Parser, path: str, label: str, declared: Declaration, table: Mapping[str, Any], extra: tuple[str, ...]
) -> Component:
    """Split a component table into fixed values and tuning dimensions, validating each value."""
    name, kind = declared.name, declared.kind
    by_name = {h.name: h for h in declared.hparams}
    allowed = (*by_name, *extra)
    fixed: dict[tuple[Any, str], Any] = {}
    dims: list[Dim] = []
    for key, raw in table.items():
        if key in ("loss", "budget"):
            continue
        if key not in allowed:
            raise SuiteError(
                f"{p.source}: {path} {key}: unknown hyper-parameter of {kind} '{name}'."
                f"{did_you_mean(key, allowed)} Valid: {', '.join(allowed) or '(none)'}."
            )
        where = "train" if key in PER_LOSS_KEYS else kind
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
    _check_rule(p, path, declared, fixed, dims)
    budget = p.get(table, path, "budget", int, low=1)
    return Component(label=label, name=name, fixed=fixed, dims=tuple(dims), budget=budget)


def _check_rule(
    p: Parser, path: str, declared: Declaration, fixed: Mapping[tuple[Any, str], Any], dims: list[Dim]
) -> None:
    """Every combination of the component's own values against the rule between its hyper-parameters
    (a tuning trial would otherwise stop the suite when its run is configured)."""
    if declared.rule is None:
        return
    given = {key: value for (where, key), value in fixed.items() if where == declared.kind}
    own = [d for d in dims if d.target == declared.kind]
    for combination in itertools.product(*(d.values for d in own)):
        try:
            declared.resolve({**given, **{d.name: v for d, v in zip(own, combination, strict=True)}})
        except HParamError as exc:
            raise p.error(path, exc.problem) from None


def _sampler(p: Parser, head: Mapping[str, Any], budget: int | None, losses: dict[str, Component]) -> str:
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


def _pruner(p: Parser, head: Mapping[str, Any]) -> str | None:
    """``[suite] pruner``: which of Optuna's pruners stops tuning trials behind the others; None: none."""
    pruner = p.get(head, "[suite]", "pruner", str)
    if pruner is not None and pruner not in PRUNERS:
        raise unknown(p.source, "[suite] pruner", "pruner", pruner, list(PRUNERS))
    return pruner


def _loss_path(label: str) -> str:
    """``[losses.talos]``, or ``[losses."talos@50"]`` where TOML needs the quotes."""
    return f"[losses.{label}]" if BARE_KEY.match(label) else f'[losses."{label}"]'


def _loss_tables(p: Parser, tables: Mapping[str, Any], labels: list[str]) -> dict[str, Component]:
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
            raise p.error(path, f"must be a table, got {shown(table)}")
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
        out[label] = _component(p, path, label, components.loss(name), table, PER_LOSS_KEYS)
    return out


def _backbone_tables(p: Parser, tables: Mapping[str, Any], backbones: list[str]) -> dict[str, Component]:
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
            raise p.error(path, f"must be a table, got {shown(table)}")
        if "loss" in table or "budget" in table:
            key = "loss" if "loss" in table else "budget"
            raise p.error(f"{path} {key}", "only a [losses.<label>] table takes this key")
        out[name] = _component(p, path, name, components.backbone(name), table, ())
    return out


def _preprocess(
    p: Parser, tables: Mapping[str, Any], datasets: list[str], data_dir: Path | None
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
            raise p.error(path, f"must be a table, got {shown(table)}")
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
            low = 0 if kind in (int, float) else None
            values[key] = p.value(value, f"{path} {key}", kind, low, components.option_choices(key) or ())
        out[name] = values
    return out


def _excludes(p: Parser, tables: Any, grid: Mapping[str, list[str]]) -> list[dict[str, tuple[str, ...]]]:
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
