"""Listings fitted to 100 columns and docstrings as plain text (``cli/listing.py``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import MappingProxyType

import pytest

from talosbench.cli.listing import WIDTH, docstring, echo_json, fit


def test_fit_wraps_only_the_flexible_columns_to_the_width() -> None:
    rows = [["a", "x" * 10, "word " * 40, "also long " * 10], ["b", "y", "short", "29,452"]]
    text = fit(rows, ["name", "fixed", "long", "other"], flexible=[2, 3])
    lines = text.splitlines()
    assert max(map(len, lines)) <= WIDTH
    assert lines[2].startswith("a") and "x" * 10 in lines[2]  # the fixed column is never wrapped
    assert "29,452" in text  # numbers as given (tabulate's own wrapping breaks on them)
    narrow = fit([["a", "b"]], ["one", "two"], flexible=[1])
    assert narrow.splitlines()[2].split() == ["a", "b"]  # nothing to wrap: natural widths


def test_a_word_is_split_only_when_it_is_longer_than_the_column() -> None:
    rows = [["n", "talos-no-quantile and talos-inside-temp " * 3 + "z" * 120]]
    lines = fit(rows, ["name", "source"], flexible=[1], width=60).splitlines()
    assert max(map(len, lines)) <= 60
    words = " ".join(line[6:].strip() for line in lines[2:]).split()
    assert words[:6] == ["talos-no-quantile", "and", "talos-inside-temp"] * 2  # hyphens do not split


def test_docstring_is_plain_text_without_rest_markup() -> None:
    class Loss:
        """Summary with ``code`` (paper Eq. 1).

        ``L = mean_b x`` over *every* row,
        wrapped in the source.

        Second paragraph.
        """

    summary, details = docstring(Loss)
    assert summary == "Summary with code (paper Eq. 1)."
    assert details == ["L = mean_b x over every row, wrapped in the source.", "Second paragraph."]


def test_json_holds_records_mappings_and_paths(capsys: pytest.CaptureFixture[str]) -> None:
    @dataclasses.dataclass(frozen=True)
    class Setting:
        name: str
        value: float

    echo_json({"proxy": MappingProxyType({"k": 1}), "records": (Setting("lr", 0.01),), "dir": Path("/x")})
    assert json.loads(capsys.readouterr().out) == {
        "proxy": {"k": 1},
        "records": [{"name": "lr", "value": 0.01}],
        "dir": "/x",
    }
