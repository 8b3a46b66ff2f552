"""Run one configuration end to end: load its split, train, test. The entry point for the API and CLI.

The data must be prepared before (``talosbench.data.prepare_split``): training never downloads.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from talosbench.config import RunConfig, RunResult
from talosbench.data import load_split
from talosbench.device import resolve_device
from talosbench.errors import USAGE, TalosbenchError
from talosbench.hparams import resolve
from talosbench.losses import LOSSES
from talosbench.models import BACKBONES
from talosbench.train.trainer import fit


class ConfigError(TalosbenchError, ValueError):
    """A run setting that cannot train (not finite, malformed), found before any data is touched."""

    exit_code = USAGE


def check_config(config: RunConfig) -> None:
    """Fail fast on unknown names and bad hyper-parameters, before any data is touched.

    The run's own settings were checked when the ``RunConfig`` was built; its loss and backbone
    hyper-parameters need the component's schema, so they are checked here.
    """
    resolve(LOSSES.get(config.loss).hparams, config.loss_params, where=f"loss {config.loss}: ")
    resolve(
        BACKBONES.get(config.backbone).hparams, config.backbone_params, where=f"backbone {config.backbone}: "
    )


def run_config(
    config: RunConfig,
    *,
    data_dir: Path | None = None,
    on_event: Callable[[str], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> RunResult:
    """Train and test one configuration.

    Configuration errors (unknown names, bad hyper-parameters, a dataset that is not prepared) raise; a run
    that fails while training is returned with status ``failed`` / ``diverged`` / ``oom`` and its
    error, so a grid of runs never dies with one of them.
    """
    check_config(config)
    device = resolve_device(config.device)
    split = load_split(
        config.dataset,
        config.scenario,
        config.split_seed,
        data_dir=data_dir,
        preprocess=config.preprocess or None,
        on_event=on_event,
    )
    try:
        return fit(split, config, device, on_epoch=on_epoch)
    except Exception as exc:  # a crash inside training is recorded, not propagated
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return RunResult(status="failed", error=detail, device=str(device), split=dict(split.diagnostics))
