"""Data preparation before a worker pool starts: each split once, in the driver."""

from __future__ import annotations

from collections.abc import Callable

from talosbench.runner.execute import split_of
from talosbench.runner.plan import CellPlan
from talosbench.runner.records import Context


def prepare_splits(plans: list[CellPlan], ctx: Context, on_event: Callable[[str], None]) -> None:
    """Prepare each split once in this process so that workers only read caches (no racing writers)."""
    seen = set()
    for plan in plans:
        config = plan.first_config()
        key = (config.dataset, config.scenario, config.split_seed, tuple(sorted(config.preprocess.items())))
        if key in seen:
            continue
        seen.add(key)
        split_of(config, ctx.data_dir, ctx.mirror, on_event)
