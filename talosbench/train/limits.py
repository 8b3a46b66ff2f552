"""What a dataset and a device allow a run: negatives and cut-offs within its items, memory within the device.

Checked before training (``talosbench run`` once per grid, ``talosbench train`` before its run), so a
setting the data or the device cannot hold is one clear error instead of minutes of useless work or
an allocator's message. The memory figure is an estimate, not a measurement: float32 parameters
(user and item embeddings, ``(users + items) x dim``) counted four times (the weights, their gradients
and Adam's two moments), plus the ``batch_size x negatives x dim`` negative embeddings a step gathers
(``negatives x dim`` with shared negatives). It leaves out smaller terms (scores, graph backbones'
propagation, evaluation blocks), so a run it lets through may still run out of memory; that run is
then recorded with status ``oom``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

from talosbench.config import RunConfig
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.errors import USAGE, TalosbenchError

FLOAT_BYTES = 4
PARAMETER_COPIES = 4
"""Weights, gradients, and Adam's first and second moments."""


class LimitError(TalosbenchError, ValueError):
    """A setting the dataset or the device cannot hold: fewer items than negatives or a cut-off, too
    little memory."""

    exit_code = USAGE


def check_limits(
    config: RunConfig,
    users: int,
    items: int,
    dataset: str,
    device: torch.device | None = None,
    named: Callable[[str], str] = str,
) -> None:
    """Refuse ``config`` on a dataset of ``users`` and ``items`` (and on ``device``, when given) with one
    ``LimitError``; ``named`` says where the user set a field (``[train] negatives``, ``--negatives``)."""
    # Only a count the user set: a loss's own default (1024) is the paper's protocol, drawn with
    # replacement on any dataset, and the default of `talosbench train` on the small synthetic one.
    if config.negatives is not None and config.negatives > items - 1:
        raise LimitError(
            f"{named('negatives')} = {config.negatives} is more than {dataset}'s {items} items - 1 (a row's "
            f"negatives are items other than its positive): set it to at most {items - 1}"
        )
    cutoff = int(config.valid_metric.rsplit("@", 1)[1])
    for key, cutoffs in (("ks", config.ks), ("valid_metric", (cutoff,))):
        over = [k for k in cutoffs if k > items]
        if over:
            raise LimitError(
                f"{named(key)} asks for a cut-off of {over[0]}, more than {dataset}'s {items} items (every "
                f"metric@{over[0]} would rank the whole catalogue): use cut-offs of at most {items}"
            )
    if device is None:
        return
    need, have = memory_estimate(config, users, items), device_memory(device)
    if have is not None and need > have:
        negatives = DECLARED_LOSSES.get(config.loss).negatives(config.negatives)
        shared = " shared" if config.shared_negatives else ""
        raise LimitError(
            f"{named('dim')} = {config.dim}, {named('batch_size')} = {config.batch_size} and "
            f"{negatives}{shared} negatives need about {_size(need)} on {device} ({PARAMETER_COPIES} x "
            f"(users + items) x dim parameters and optimiser state, plus batch x negatives x dim "
            f"embeddings, float32), more than its {_size(have)}: lower dim, batch_size or negatives"
        )


def memory_estimate(config: RunConfig, users: int, items: int) -> int:
    """Bytes a run of ``config`` needs at least, as the module says: parameters and their optimiser
    state, plus the negative embeddings of one step."""
    negatives = DECLARED_LOSSES.get(config.loss).negatives(config.negatives)
    rows = 1 if config.shared_negatives else config.batch_size
    parameters = PARAMETER_COPIES * (users + items) * config.dim
    return FLOAT_BYTES * (parameters + rows * negatives * config.dim)


def device_memory(device: torch.device) -> int | None:
    """Total memory of ``device`` in bytes (a GPU's, else this machine's RAM), or None where unknown."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[1])
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows) or no such name
        return None


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocator's failure: CUDA's, Python's, or the CPU allocator's RuntimeError."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("can't allocate memory" in text or "out of memory" in text)


def _size(count: int) -> str:
    """``2.4 TB``: bytes in decimal units, as a person reads them."""
    units, value, index = ("B", "KB", "MB", "GB", "TB"), float(count), 0
    while value >= 1000 and index < len(units) - 1:
        value, index = value / 1000, index + 1
    return f"{value:.1f} {units[index]}"
