"""The JSON files of the results store: sorted, indented, strict (a NaN or infinity is stored as null)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def json_bytes(data: Mapping[str, Any]) -> bytes:
    """``data`` as the UTF-8 text of a strict JSON file, keys sorted, one trailing newline."""
    text = json.dumps(_finite(data), indent=2, sort_keys=True, allow_nan=False, default=str) + "\n"
    return text.encode("utf-8")


def _finite(value: Any) -> Any:
    """Replace NaN/inf (a diverged run's metrics) by None so result.json stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(key): _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
