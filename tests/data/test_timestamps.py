"""Timestamps in every form a user's file holds them, as Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from talosbench.data.timestamps import unix_seconds


@pytest.mark.parametrize(
    ("values", "seconds"),
    [
        (["1", "2"], [1, 2]),
        (["881250949.0", "8.9e8", "1.9"], [881250949, 890000000, 1]),
        (["2010-10-19T23:55:27Z", "2010-10-20T01:55:27+02:00"], [1287532527, 1287532527]),
        (["2020-01-01 00:00:00", "2020-01-01 00:00:01"], [1577836800, 1577836801]),
        (["2020-01-01", "2020-01-02"], [1577836800, 1577923200]),
        (["7", "2020-01-01T00:00:00Z"], [7, 1577836800]),
        (["soon", "", "inf"], [None, None, None]),
    ],
)
def test_text_timestamps(values: list[str], seconds: list[int | None]) -> None:
    assert unix_seconds(pl.Series("timestamp", values)).to_list() == seconds


def test_typed_columns() -> None:
    assert unix_seconds(pl.Series([datetime(2020, 1, 1, tzinfo=UTC)])).to_list() == [1577836800]
    assert unix_seconds(pl.Series([5, None])).to_list() == [5, None]
    assert unix_seconds(pl.Series([5.9, float("nan")])).to_list() == [5, None]
