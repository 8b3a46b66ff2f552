"""A grid's settings against its datasets and devices, once, before any run trains (``train.limits``).

Every configuration a cell may train (each point of its full tuning grid, so a TPE or budgeted draw is
covered too) is checked against the item count of its prepared dataset and, for local runs, the memory
of each device they train on; the first that does not fit stops the grid with the suite key that set
it. A dataset that cannot be prepared is left to the runs, which report it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from talosbench.config import RunConfig
from talosbench.data import prepare_dataset
from talosbench.data.prepare import prepared_folder
from talosbench.data.store import read_meta
from talosbench.errors import TalosbenchError
from talosbench.runner.plan import CellPlan
from talosbench.runner.records import Context
from talosbench.suite import Suite, full_grid, point_config


def check_grid_limits(
    suite: Suite,
    plans: Sequence[CellPlan],
    ctx: Context,
    devices: Sequence[str] | None,
    on_event: Callable[[str], None],
) -> None:
    """Raise ``train.limits.LimitError`` for the first configuration of ``plans`` its data or a device
    cannot hold. ``devices``: where the runs train (None: Ray places them, so memory is not checked,
    and only datasets already prepared here are read)."""
    from talosbench.device import resolve_device
    from talosbench.train.limits import check_limits

    resolved = [resolve_device(name) for name in dict.fromkeys(devices)] if devices else [None]
    sizes: dict[str, tuple[int, int] | None] = {}
    seen = set()
    for plan in plans:
        for config in _configs(suite, plan):
            data = json.dumps([config.dataset, config.preprocess], sort_keys=True, default=str)
            if data not in sizes:
                sizes[data] = _size(config, ctx, prepare=devices is not None, on_event=on_event)
            shape = (
                config.loss,
                config.negatives,
                config.dim,
                config.batch_size,
                config.ks,
                config.valid_metric,
            )
            if sizes[data] is None or (data, shape, config.shared_negatives) in seen:
                continue
            seen.add((data, shape, config.shared_negatives))
            users, items = sizes[data]  # type: ignore[misc]
            for device in resolved:
                check_limits(
                    config,
                    users,
                    items,
                    config.dataset,
                    device,
                    named=lambda name, label=plan.cell.loss: suite_key(suite, label, name),
                )


def suite_key(suite: Suite, loss: str, name: str) -> str:
    """Where ``suite`` sets run setting ``name`` for the loss labelled ``loss``: ``[losses.bpr] negatives``,
    ``[train] dim``, ``[eval] ks``; a setting it leaves unset is named as the default it takes."""
    if name == "ks":
        return "[eval] ks"
    if name == "valid_metric":
        return "[suite] valid_metric"
    table = suite.loss_tables.get(loss)
    if table is not None and (
        ("train", name) in table.fixed or any(d.target == "train" and d.name == name for d in table.dims)
    ):
        return f"[losses.{loss}] {name}"
    if name in suite.train:
        return f"[train] {name}"
    return f"{name} (default)"


def _configs(suite: Suite, plan: CellPlan) -> list[RunConfig]:
    """The configurations ``plan`` may train, one per tuning point (seeds change none of the limits)."""
    if not plan.tuned:
        return [plan.finals()[0].config]
    return [
        point_config(suite, plan.cell, p, suite.tuning_seed, plan.device) for p in full_grid(suite, plan.cell)
    ]


def _size(
    config: RunConfig, ctx: Context, *, prepare: bool, on_event: Callable[[str], None]
) -> tuple[int, int] | None:
    """Users and items of ``config``'s prepared dataset, prepared first when ``prepare`` (the first run
    would prepare it anyway); None when it cannot be had, which the runs then report."""
    preprocess = config.preprocess or None
    try:
        if prepare:
            folder = prepare_dataset(
                config.dataset,
                data_dir=ctx.data_dir,
                preprocess=preprocess,
                mirror=ctx.mirror,
                on_event=on_event,
            )
        else:
            folder = prepared_folder(config.dataset, data_dir=ctx.data_dir, preprocess=preprocess)
        stats = read_meta(folder)["stats"]
        return int(stats["users"]), int(stats["items"])
    except (TalosbenchError, OSError, ValueError, KeyError, TypeError):
        return None
