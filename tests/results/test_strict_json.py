"""The results store's JSON: sorted keys, strict, a diverged run's NaN or infinity stored as null."""

from __future__ import annotations

import json

from talosbench.results.strict_json import json_bytes


def test_non_finite_numbers_become_null_at_any_depth() -> None:
    data = {"b": [1.0, float("nan"), (float("inf"), 2)], "a": {"x": float("-inf"), 3: "y"}}
    text = json_bytes(data).decode("utf-8")
    assert json.loads(text) == {"a": {"3": "y", "x": None}, "b": [1.0, None, [None, 2]]}
    assert text.index('"a"') < text.index('"b"') and text.endswith("}\n") and "NaN" not in text
