"""Every loss's declaration, one module per loss family (mirroring ``talosbench.losses``).

Every module of this package is imported here, so a new module that declares a ``LossDeclaration``
(``declare``) is picked up by suites, listings, the report and the plots with no other edit.
"""

from __future__ import annotations

from talosbench.declared.base import DECLARED_LOSSES, LossDeclaration, by_position
from talosbench.registry import import_modules

import_modules(__name__, __path__)

__all__ = ["DECLARED_LOSSES", "LossDeclaration", "listing_order", "paper_table_order"]


def listing_order() -> list[str]:
    """Every loss name, those with a ``listing_position`` first in its order, the rest as declared."""
    return by_position(DECLARED_LOSSES, "listing_position")


def paper_table_order() -> tuple[str, ...]:
    """The paper's baselines in the order of its tables (``LossDeclaration.paper_table_position``)."""
    return tuple(by_position(DECLARED_LOSSES, "paper_table_position", only_placed=True))
