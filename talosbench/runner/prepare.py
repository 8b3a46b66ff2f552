"""Data preparation before a worker pool starts: each split once, in the driver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from talosbench.config import RunConfig
from talosbench.runner.execute import split_of
from talosbench.runner.plan import CellPlan
from talosbench.runner.records import Context


def prepare_splits(plans: list[CellPlan], ctx: Context, on_event: Callable[[str], None]) -> None:
    """Prepare each split once in this process so that workers only read caches (no racing writers)."""
    seen = set()
    for plan in plans:
        for config in _split_configs(plan):
            key = (
                config.dataset,
                config.scenario,
                config.run_split_seed,
                tuple(sorted(config.preprocess.items())),
            )
            if key in seen:
                continue
            seen.add(key)
            split_of(config, ctx.data_dir, ctx.mirror, on_event)


def _split_configs(plan: CellPlan) -> list[RunConfig]:
    """One configuration per split the cell trains on: its first, or with ``vary_split`` one per seed."""
    config = plan.first_config()
    if not config.vary_split:
        return [config]
    seeds = (plan.suite.tuning_seed,) * plan.tuned + plan.suite.seeds
    return [replace(config, seed=seed) for seed in seeds]
