"""Readers for every raw format (docs/protocol.md §6.5): user, item (ids as strings), rating, timestamp.

Rows are parsed line by line with vectorised Polars string operations, so a malformed row is reported with
its file and line number instead of a parser stack trace.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import polars as pl

from talosbench.data.errors import DataError

COLUMNS = ("user", "item", "rating", "timestamp")
SCHEMA = {"user": pl.Utf8, "item": pl.Utf8, "rating": pl.Float64, "timestamp": pl.Int64}
FIX_HINT = (
    "Fix or remove that line, or import a cleaned copy with `talosbench download --file PATH --name NAME`."
)

# format name -> (separator, field names; None = ignored field)
DELIMITED: dict[str, tuple[str, list[str | None]]] = {
    "ml-100k": ("\t", ["user", "item", "rating", "timestamp"]),
    "ml-1m": ("::", ["user", "item", "rating", "timestamp"]),
    "amazon-csv": (",", ["user", "item", "rating", "timestamp"]),
    "gowalla": ("\t", ["user", "time", None, None, "item"]),
}
SEP_NAMES = {"\t": "tab", "::": "'::'", ",": "comma", " ": "whitespace"}


def file_bytes(path: Path, member: str | None) -> tuple[bytes, str]:
    """Raw bytes of a file, a zip member or a gzip file, and the label used in error messages."""
    try:
        if member is not None:
            with zipfile.ZipFile(path) as zf:
                try:
                    return zf.read(member), f"{path}:{member}"
                except KeyError:
                    raise DataError(
                        f"{path} has no member {member} (it holds {', '.join(zf.namelist()[:8])}). "
                        "The download is not the expected archive: delete it and run `talosbench download "
                        "--force`, or import your copy with `--file PATH --name NAME`."
                    ) from None
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        return data, str(path)
    except (zipfile.BadZipFile, gzip.BadGzipFile, EOFError, OSError) as err:
        raise DataError(
            f"Cannot read {path}: {err}. Delete the file and download it again with `--force`, "
            "or import a good copy with `--file PATH --name NAME`."
        ) from err


def utf8_text(data: bytes, label: str) -> str:
    """``data`` decoded as UTF-8; a byte that is not is an error naming ``label`` and its line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(f"{label}:{line}: not valid UTF-8 text ({err.reason}). {FIX_HINT}") from err


def _lines(data: bytes, label: str) -> pl.DataFrame:
    """Non-empty lines with their 1-based line numbers."""
    text = utf8_text(data, label)
    frame = pl.DataFrame({"line": text.split("\n")}).with_row_index("lineno", offset=1)
    frame = frame.with_columns(pl.col("line").str.strip_chars_end("\r"))
    return frame.filter(pl.col("line").str.strip_chars() != "")


def fail(label: str, rows: pl.DataFrame, mask: pl.Series, what: str) -> None:
    """Raise a DataError for the first row flagged by ``mask``."""
    bad = rows.filter(mask)
    if bad.height:
        lineno, line = bad["lineno"][0], bad["line"][0]
        raise DataError(f"{label}:{lineno}: malformed row {line[:200]!r}: {what}. {FIX_HINT}")


def _typed(label: str, rows: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """Cast parsed string fields to the common schema, reporting the first value that does not parse."""
    for col in ("user", "item"):
        if col in fields.columns:
            fail(label, rows, fields[col].is_null() | (fields[col].str.strip_chars() == ""), f"empty {col}")
    out = {c: fields[c].str.strip_chars() for c in ("user", "item")}
    if "rating" in fields.columns and fields["rating"] is not None:
        rating = fields["rating"].str.strip_chars().cast(pl.Float64, strict=False)
        fail(label, rows, rating.is_null() & fields["rating"].is_not_null(), "rating is not a number")
        out["rating"] = rating
    if "timestamp" in fields.columns:
        ts = fields["timestamp"].str.strip_chars().cast(pl.Int64, strict=False)
        fail(label, rows, ts.is_null() & fields["timestamp"].is_not_null(), "timestamp is not an integer")
        out["timestamp"] = ts
    if "time" in fields.columns:
        parsed = fields["time"].str.strip_chars().str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False)
        fail(label, rows, parsed.is_null(), "time is not ISO-8601 like 2010-10-19T23:55:27Z")
        out["timestamp"] = parsed.dt.epoch("s")
    return normalise(pl.DataFrame(out))


def normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns as nulls and order/cast to the common schema."""
    cols = [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(SCHEMA[c]).alias(c) for c in COLUMNS]
    return frame.select(cols)


def _split(label: str, rows: pl.DataFrame, sep: str, names: list[str | None]) -> pl.DataFrame:
    parts = rows["line"].str.split(sep)
    n = parts.list.len()
    sep_name = SEP_NAMES.get(sep, repr(sep))
    wanted = ", ".join(x or "_" for x in names)
    fail(label, rows, n != len(names), f"expected {len(names)} {sep_name}-separated fields ({wanted})")
    fields = pl.DataFrame({name: parts.list.get(i) for i, name in enumerate(names) if name})
    return _typed(label, rows, fields)


def read_raw(fmt: str, path: Path, member: str | None = None) -> pl.DataFrame:
    """Read a catalog source file of format ``fmt`` into the common user/item/rating/timestamp frame."""
    if fmt not in DELIMITED:
        raise DataError(f"unknown raw format '{fmt}' for {path}; known: {', '.join(DELIMITED)}.")
    data, label = file_bytes(path, member)
    sep, names = DELIMITED[fmt]
    return _split(label, _lines(data, label), sep, names)


def read_lightgcn(path: Path, label: str | None = None) -> pl.DataFrame:
    """LightGCN-style ``user item item ...`` lines (whitespace separated); lines without items are skipped.
    ``label`` names the file in errors (default: ``path``)."""
    data, own = file_bytes(path, None)
    label = label or own
    rows = _lines(data, label)
    parts = rows["line"].str.strip_chars().str.replace_all(r"\s+", " ").str.split(" ")
    rows = rows.with_columns(parts.alias("parts")).filter(pl.col("parts").list.len() >= 2)
    exploded = rows.select(
        "lineno",
        "line",
        pl.col("parts").list.first().alias("user"),
        pl.col("parts").list.slice(1).alias("item"),
    ).explode("item")
    bad = (
        exploded["user"].cast(pl.Int64, strict=False).is_null()
        | exploded["item"].cast(pl.Int64, strict=False).is_null()
    )
    fail(label, exploded, bad, "expected integer ids `user item [item ...]`")
    return normalise(exploded.select("user", "item"))
