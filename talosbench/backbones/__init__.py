"""Backbones behind one interface, one module each, registered in ``BACKBONES`` (docs/protocol.md §3).

Every module of this package is imported here, so a new module file with a ``@register`` class (and
its record in ``talosbench.declared.backbones``) is picked up by the CLI, suites, report and tests with
no other edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.registry import BACKBONES, register
from talosbench.registry import import_modules

__all__ = ["BACKBONES", "Backbone", "BackboneInputs", "build_backbone", "register"]

import_modules(__name__, __path__)


def build_backbone(name: str, inputs: BackboneInputs, values: Mapping[str, Any]) -> Backbone:
    """The registered backbone ``name`` (UnknownNameError) built with resolved hyper-parameters ``values``.

    ``values`` are checked already: ``RunConfig.backbone_values``, or ``declared.resolve(overrides)``.
    """
    return BACKBONES.get(name)(inputs, **values)
