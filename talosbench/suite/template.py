"""``talosbench init``'s suite file: a small runnable grid with every table and key explained.

The ``[train]`` table is written from ``RunConfig``'s settings schema (``config.py``), so a new
setting appears here with its help and default without an edit; the other tables are written out.
Every example line (``# key = value`` or ``# [table]``) may be uncommented and the file stays valid:
``tests/suite/test_template.py`` uncomments all of them at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talosbench.config import TRAIN_KEYS
from talosbench.config import schema as setting_schema
from talosbench.paths import suite_name_problem
from talosbench.suite import components
from talosbench.suite.errors import SuiteError

TRAIN_VALUES: dict[str, Any] = {"epochs": 40, "eval_every": 2, "patience": 3, "negatives": 64, "lr": 0.05}
"""The ``[train]`` values the template sets: the quick suite's CPU-sized departures from the paper's
protocol (suites/quick.toml states why), so the first run learns in seconds."""
UNSET_EXAMPLES: dict[str, Any] = {"normalize": True}
"""An example value for settings whose default is "the loss's own" (None, which TOML cannot write)."""


def toml_value(value: Any) -> str:
    """``value`` as a TOML literal (booleans, numbers, strings and lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {value!r}")


def _train_table() -> list[str]:
    """``[train]``: one commented entry per setting, set where ``TRAIN_VALUES`` sets it."""
    lines = []
    for key in TRAIN_KEYS:
        spec = setting_schema(key)
        default = "the loss's own" if spec.default is None else toml_value(spec.default)
        said = "default:" in spec.help  # the help already says what the default is
        lines.append(f"# {spec.help}" + ("" if said else f" Default: {default}."))
        if key in TRAIN_VALUES:
            lines.append(f"{key} = {toml_value(TRAIN_VALUES[key])}")
        else:
            example = UNSET_EXAMPLES[key] if spec.default is None else spec.default
            lines.append(f"# {key} = {toml_value(example)}")
    return lines


HEAD = """\
# {name}.toml: a suite written by `talosbench init`; edit it, then run it:
#   talosbench run {file} --dry-run    the plan, its size and estimated cost; trains nothing
#   talosbench run {file}              train it (rerunning resumes), then: talosbench report
# As written: SL against Talos on the built-in synthetic dataset with MF, 2 seeds, Talos's
# temperature tuned over two values first: 6 runs, about a minute on a CPU.
# Lines "# key = value" are examples (at the default where there is one): uncomment one to use
# it. docs/protocol.md §11 of the talosbench repository describes suites in full; the shipped
# suites (`talosbench suites`: the paper's tables) are examples too.

[suite]
# Folder name of the results (<results-dir>/<name>/): letters, digits and . _ - @ +.
name = {name_literal}
# One line shown by `talosbench suites` and the dry run.
description = "SL against Talos on synthetic data, MF (edit me)"
# Every final run trains once per seed; reports give the mean and spread over them.
seeds = [1, 2]
# Seed of the tuning trials; must not be one of seeds. Default: 0.
# tuning_seed = 0
# Seed of the train/validation/test split, the same for every run seed. Default: 2024.
# split_seed = 2024
# Give each run seed its own split (its seed drawn from split_seed and the run seed), so that the
# spread over seeds includes the data's; changes the run ids. Default: false (docs/protocol.md §6).
# vary_split = false
# Metric@K that selects the tuning point and the early-stopping snapshot (from [eval] metrics).
valid_metric = "precision@20"
# Most tuning points trained per loss in the first stage: a balanced draw over the shared
# dimensions (lr, weight_decay, tau, the backbone's), a loss's own at their defaults
# (docs/protocol.md §11.2). Default: the whole grid.
# budget = 12
# Second-stage points of every budgeted loss with dimensions of its own, tuned at its best
# first-stage point (BSL's tau2 = tau always among them); 0: one stage. Default: 6.
# extra_budget = 6
# How tuning points are chosen: "grid" (the seeded two-stage draw) or "tpe" (Optuna over the whole
# grid, one stage; the tune extra, and a budget). Default: "grid".
# sampler = "grid"
# Stop tuning trials whose validation curve falls behind the cell's earlier trials: "median" or
# "asha" (Optuna's pruners; the tune extra). Default: none, every trial trains to its end.
# pruner = "median"

[train]
# Settings of every run; a [losses.<label>] table may set or tune lr, weight_decay and negatives
# for its loss alone. `talosbench train --help` describes the same settings.
{train}

[eval]
# Metrics reported, from: {metrics}.
metrics = ["precision", "recall", "ndcg"]
# Cut-offs K at which each metric is reported.
ks = [20]

[grid]
# Every combination of these is a cell. `talosbench datasets`, `talosbench backbones` and
# `talosbench losses` list the choices.
# Scenarios (docs/protocol.md §6.2): {scenarios}.
datasets = ["synthetic"]
scenarios = ["iid"]
backbones = ["mf"]
losses = ["sl", "talos"]

# Drops the cells matching every key given (a name or a list of names); repeat the table for more.
# [[exclude]]
# dataset = "synthetic"
# scenario = "iid"
# backbone = "mf"
# loss = "sl"

# Preprocessing of one dataset over its catalog defaults (docs/protocol.md §6.3), prepared into a
# folder of its own: k_core, and for datasets with ratings min_rating and filter_order
# ("rating-first" or "k-core-first"). cold: "drop" (default) or "keep" the validation and test rows
# whose user or item never occurs in training (a given split: "keep" by default). For temporal
# only (§6.2): valid, "random" (default) or "latest" (the last 10 % of the training period by
# time); train_k_core, a k-core over the training period alone (0, the default: none).
# [datasets.synthetic]
# k_core = 5
# cold = "drop"
# valid = "random"
# train_k_core = 0

# One table per loss label of [grid] losses. A value is fixed; a list of two or more values is a
# tuning dimension, tried on validation with tuning_seed before every seed trains at the best
# point. `talosbench losses` lists each loss's parameters and the paper's search spaces. A label may
# alias a loss with fixed settings: "talos@50" in [grid] losses, with a table [losses."talos@50"]
# holding loss = "talos" and k = 50.
[losses.sl]
tau = 0.1

[losses.talos]
tau = [0.1, 0.2]
# The most tuning points of this loss (over [suite] budget).
# budget = 2
# lr, weight_decay and negatives may be set or tuned per loss, over [train].
# weight_decay = [0.0, 1e-06]

# One table per backbone of [grid] backbones, like a loss table (without budget): fixed values and
# tuning lists. init_std 0.1 instead of the reference's 1.0, as the quick suite (it learns faster).
[backbones.mf]
init_std = 0.1
"""


def suite_template(name: str, file: str | None = None) -> str:
    """The text of a commented suite called ``name``; ``file`` is how its comments show the path."""
    problem = suite_name_problem(name)
    if problem is not None:
        raise SuiteError(f"suite name: {problem}")
    return HEAD.format(
        name=name,
        file=file or f"{name}.toml",
        name_literal=toml_value(name),
        train="\n".join(_train_table()),
        metrics=", ".join(components.metric_names()),
        scenarios=", ".join(components.scenario_names()),
    )


def write_suite_template(name: str, path: Path | None = None, *, force: bool = False) -> Path:
    """Write ``suite_template(name)`` to ``path`` (default ``NAME.toml``; a folder gets ``NAME.toml`` in it).

    An existing file is kept unless ``force``: a suite someone edited is not lost to a second ``init``.
    ``mine.toml`` names the suite ``mine``, as the file name is what one tends to type.
    """
    name = name.removesuffix(".toml")
    target = suite_path(name, path)
    return write_suite_file(target, suite_template(name, str(target)), force=force)


def suite_path(name: str, path: Path | None) -> Path:
    """Where suite ``name`` is written: ``path``, ``NAME.toml`` in it when it is a folder, else here."""
    target = Path(f"{name}.toml") if path is None else path
    return target / f"{name}.toml" if target.is_dir() else target


def write_suite_file(target: Path, text: str, *, force: bool = False) -> Path:
    """Write a suite's ``text`` to ``target``; an existing file is kept unless ``force``."""
    try:
        with target.open("w" if force else "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        raise SuiteError(
            f"{target}: already exists; choose another name or -o PATH, or add --force to overwrite it"
        ) from None
    except OSError as exc:
        raise SuiteError(f"{target}: cannot write the suite file: {exc.strerror}") from None
    return target
