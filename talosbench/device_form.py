"""The form of a device setting (auto, cpu, cuda, cuda:N): checked without torch and without probing.

``RunConfig`` checks the ``device`` setting, ``talosbench run`` its ``--device`` and ``--devices``
options, and ``device.resolve_device`` its argument, all against the one pattern here; whether the
device exists is only known with torch (``device.resolve_device``).
"""

from __future__ import annotations

import re

from talosbench.errors import USAGE, TalosbenchError

DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
"""``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``."""


class DeviceError(TalosbenchError, ValueError):
    """A device setting of the wrong form, or a device that does not exist on this machine."""

    exit_code = USAGE


def is_device(name: str, *, auto: bool = True) -> bool:
    """Whether ``name`` has the form of a device; with ``auto=False`` it must name one (a worker's)."""
    return bool(DEVICE.match(name)) and (auto or name != "auto")


def check_device(spec: str) -> str:
    """``spec`` stripped and in lower case when it is auto, cpu, cuda or cuda:N, else DeviceError.

    Only the form is checked (nothing is probed), so a plan can be checked on a machine without the GPU.
    """
    name = spec.strip().lower()
    if not is_device(name):
        raise DeviceError(f"unknown device '{name}'; valid: auto, cpu, cuda, cuda:N")
    return name
