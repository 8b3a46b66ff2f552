"""The loss registry and ``register``, the decorator that adds a loss under its own ``name``.

``talosbench.losses`` imports every module of the package, so a ``@register`` class in a new module
file is all it takes to add a loss.
"""

from __future__ import annotations

import re
from typing import TypeVar

from talosbench.losses.base import Loss
from talosbench.registry import Registry

LOSSES: Registry[type[Loss]] = Registry("loss")

# Suite files write ``loss@label`` and ``loss.param``: a name holds neither ``@`` nor ``.``.
LOSS_NAME = re.compile(r"[a-z][a-z0-9-]*")
L = TypeVar("L", bound=type[Loss])


def register(cls: L) -> L:
    """Class decorator: ``cls`` joins LOSSES under the ``name`` it sets (TypeError if it sets none)."""
    name = vars(cls).get("name")  # its own, never a parent's: a subclass is a new loss
    if not isinstance(name, str) or not LOSS_NAME.fullmatch(name):
        raise TypeError(
            f"loss class {cls.__qualname__} must set its own name = '...' (a lower-case letter, then "
            f"lower-case letters, digits and '-'), got {name!r}"
        )
    _check_positions_are_free(name, cls)
    LOSSES.add(name, cls)
    return cls


def _check_positions_are_free(name: str, cls: type[Loss]) -> None:
    """TypeError when ``cls`` takes a listing or table place that another loss has (e.g. inherited)."""
    for trait in ("listing_position", "paper_table_position"):
        place = getattr(cls, trait)
        holder = next((n for n in LOSSES if getattr(LOSSES.get(n), trait) == place), None)
        if place is not None and holder is not None:
            raise TypeError(
                f"loss '{name}': {trait} = {place} is already that of '{holder}' (a subclass inherits "
                f"it); set {trait} = None or a free place in class {cls.__qualname__}"
            )
