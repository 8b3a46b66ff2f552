"""The backbone registry and ``register``, the decorator that adds a backbone class under its record's name.

``talosbench.backbones`` imports every module of the package, so a ``@register`` class in a new module
file (with its record in the module of the same name under ``talosbench.declared.backbones``) is all it
takes to add a backbone.
"""

from __future__ import annotations

from talosbench.backbones.base import Backbone
from talosbench.declared.base import implementation
from talosbench.registry import Registry

BACKBONES: Registry[type[Backbone]] = Registry("backbone")

register = implementation(BACKBONES)
"""Class decorator: the class joins BACKBONES under the name of its own ``declared`` record."""
