"""The loss registry and ``register``, the decorator that adds a loss class under its record's name.

``talosbench.losses`` imports every module of the package, so a ``@register`` class in a new module
file (with its record in the module of the same name under ``talosbench.declared.losses``) is all it
takes to add a loss.
"""

from __future__ import annotations

from talosbench.declared.base import implementation
from talosbench.losses.base import Loss
from talosbench.registry import Registry

LOSSES: Registry[type[Loss]] = Registry("loss")

register = implementation(LOSSES)
"""Class decorator: the class joins LOSSES under the name of its own ``declared`` record."""
