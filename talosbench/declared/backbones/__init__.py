"""Every backbone's declaration, one module per backbone (mirroring ``talosbench.backbones``).

Every module of this package is imported here, so a new module that declares a ``BackboneDeclaration``
(``declare``) is picked up by suites, listings and the report with no other edit.
"""

from __future__ import annotations

from talosbench.declared.base import DECLARED_BACKBONES, BackboneDeclaration, by_position
from talosbench.registry import import_modules

import_modules(__name__, __path__)

__all__ = ["DECLARED_BACKBONES", "BackboneDeclaration", "listing_order"]


def listing_order() -> list[str]:
    """Every backbone name, those with a ``listing_position`` first in its order, the rest as declared."""
    return by_position(DECLARED_BACKBONES, "listing_position")
