"""A timestamp column of a user's file as Unix seconds, whatever form it takes."""

from __future__ import annotations

import polars as pl


def unix_seconds(values: pl.Series) -> pl.Series:
    """``values`` as Int64 Unix seconds: integers as they are, fractional seconds truncated, dates and times
    (a temporal column, or text Polars parses: ISO 8601, ``2010-10-19 23:55:27``, ...; a naive one read as
    UTC) converted. Null where a value is none of these (or null)."""
    if values.dtype.is_temporal():
        return values.dt.epoch("s").alias(values.name)
    if values.dtype.is_numeric():
        return values.cast(pl.Int64, strict=False)
    text = values.cast(pl.Utf8)
    frame = pl.DataFrame({"text": text}).with_columns(
        pl.coalesce(
            pl.col("text").cast(pl.Int64, strict=False),
            pl.col("text").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False),
        ).alias("seconds")
    )
    rest = frame.select(pl.when(pl.col("seconds").is_null()).then(pl.col("text"))).to_series()
    if rest.is_not_null().any():
        try:  # Polars infers the format from the first value and reads the column with it
            dates = rest.str.to_datetime(strict=False).dt.epoch("s")
        except pl.exceptions.PolarsError:  # no format fits the first value: none of them is a date
            dates = pl.Series([None] * len(rest), dtype=pl.Int64)
        frame = frame.with_columns(pl.coalesce("seconds", dates))
    return frame["seconds"].alias(values.name)
