"""The loss registry; ``talosbench.losses`` imports every loss module so each registers itself here."""

from __future__ import annotations

from talosbench.losses.base import Loss
from talosbench.registry import Registry

LOSSES: Registry[type[Loss]] = Registry("loss")
