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
MISSING_IDS = ("nan", "null", "na", "none", "")
"""Ids (any case) that spreadsheets and pandas write for a missing value: a user's file must not use them."""


def _bytes(path: Path, member: str | None) -> tuple[bytes, str]:
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


def _lines(data: bytes, label: str) -> pl.DataFrame:
    """Non-empty lines with their 1-based line numbers."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(f"{label}:{line}: not valid UTF-8 text ({err.reason}). {FIX_HINT}") from err
    frame = pl.DataFrame({"line": text.split("\n")}).with_row_index("lineno", offset=1)
    frame = frame.with_columns(pl.col("line").str.strip_chars_end("\r"))
    return frame.filter(pl.col("line").str.strip_chars() != "")


def _fail(label: str, rows: pl.DataFrame, mask: pl.Series, what: str) -> None:
    """Raise a DataError for the first row flagged by ``mask``."""
    bad = rows.filter(mask)
    if bad.height:
        lineno, line = bad["lineno"][0], bad["line"][0]
        raise DataError(f"{label}:{lineno}: malformed row {line[:200]!r}: {what}. {FIX_HINT}")


def _typed(label: str, rows: pl.DataFrame, fields: pl.DataFrame) -> pl.DataFrame:
    """Cast parsed string fields to the common schema, reporting the first value that does not parse."""
    for col in ("user", "item"):
        if col in fields.columns:
            _fail(label, rows, fields[col].is_null() | (fields[col].str.strip_chars() == ""), f"empty {col}")
    out = {c: fields[c].str.strip_chars() for c in ("user", "item")}
    if "rating" in fields.columns and fields["rating"] is not None:
        rating = fields["rating"].str.strip_chars().cast(pl.Float64, strict=False)
        _fail(label, rows, rating.is_null() & fields["rating"].is_not_null(), "rating is not a number")
        out["rating"] = rating
    if "timestamp" in fields.columns:
        ts = fields["timestamp"].str.strip_chars().cast(pl.Int64, strict=False)
        _fail(label, rows, ts.is_null() & fields["timestamp"].is_not_null(), "timestamp is not an integer")
        out["timestamp"] = ts
    if "time" in fields.columns:
        parsed = fields["time"].str.strip_chars().str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False)
        _fail(label, rows, parsed.is_null(), "time is not ISO-8601 like 2010-10-19T23:55:27Z")
        out["timestamp"] = parsed.dt.epoch("s")
    return _normalise(pl.DataFrame(out))


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns as nulls and order/cast to the common schema."""
    cols = [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(SCHEMA[c]).alias(c) for c in COLUMNS]
    return frame.select(cols)


def _split(label: str, rows: pl.DataFrame, sep: str, names: list[str | None]) -> pl.DataFrame:
    parts = rows["line"].str.split(sep)
    n = parts.list.len()
    sep_name = SEP_NAMES.get(sep, repr(sep))
    wanted = ", ".join(x or "_" for x in names)
    _fail(label, rows, n != len(names), f"expected {len(names)} {sep_name}-separated fields ({wanted})")
    fields = pl.DataFrame({name: parts.list.get(i) for i, name in enumerate(names) if name})
    return _typed(label, rows, fields)


def read_raw(fmt: str, path: Path, member: str | None = None) -> pl.DataFrame:
    """Read a catalog source file of format ``fmt`` into the common user/item/rating/timestamp frame."""
    if fmt not in DELIMITED:
        raise DataError(f"unknown raw format '{fmt}' for {path}; known: {', '.join(DELIMITED)}.")
    data, label = _bytes(path, member)
    sep, names = DELIMITED[fmt]
    return _split(label, _lines(data, label), sep, names)


def read_lightgcn(path: Path) -> pl.DataFrame:
    """LightGCN-style ``user item item ...`` lines (whitespace separated); lines without items are skipped."""
    data, label = _bytes(path, None)
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
    _fail(label, exploded, bad, "expected integer ids `user item [item ...]`")
    return _normalise(exploded.select("user", "item"))


def read_table(path: Path) -> pl.DataFrame:
    """A user's own CSV / TSV / Parquet with columns user, item and optional rating, timestamp."""
    if path.suffix == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as err:
            raise DataError(f"Cannot read Parquet file {path}: {err}.") from err
        missing = [c for c in ("user", "item") if c not in frame.columns]
        if missing:
            raise DataError(
                f"{path} lacks column(s) {', '.join(missing)} (it has {', '.join(frame.columns)}); "
                "a dataset file needs columns user, item and optionally rating, timestamp."
            )
        frame = _normalise(_typed_parquet(path, frame))
        _refuse_missing_ids(str(path), frame.with_row_index("lineno", offset=1), frame, where="row")
        return frame
    data, label = _bytes(path, None)
    rows = _lines(data, label)
    if rows.height == 0:
        raise DataError(f"{path} is empty; a dataset file needs rows of user, item[, rating[, timestamp]].")
    first = rows["line"][0]
    sep = "\t" if path.suffix == ".tsv" or ("\t" in first and path.suffix != ".csv") else ","
    header = [h.strip().lower() for h in first.split(sep)]
    if "user" in header and "item" in header:
        rows = rows.slice(1)
        if rows.height == 0:
            raise DataError(
                f"{label} has a header but no data rows; add rows of {', '.join(header)} below it."
            )
        names: list[str | None] = [h if h in COLUMNS else None for h in header]
    elif _looks_like_header(header):
        named = [h for h in header if h in COLUMNS]
        raise DataError(
            f"{label}:{rows['lineno'][0]}: the first row {first[:200]!r} looks like a header, but "
            f"{'it names no known column' if not named else 'it lacks ' + _missing(header)}: a header "
            "names columns user and item (and optionally rating, timestamp). Rename those columns, or "
            f"remove the header row and keep the columns in the order user, item[, rating, timestamp]."
        )
    else:
        names = list(COLUMNS[: len(header)])
        if not 2 <= len(names) <= 4:
            raise DataError(
                f"{label}:{rows['lineno'][0]}: expected a header naming user, item[, rating, timestamp] "
                f"or 2-4 {SEP_NAMES[sep]}-separated columns in that order; found {len(header)} fields."
            )
    frame = _split(label, rows, sep, names)
    _refuse_missing_ids(label, rows, frame)
    return frame


def _typed_parquet(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """User and item as text, rating a number, timestamp an integer (seconds from a date); a value that is
    not one is a DataError naming its row."""
    wanted = {"user": pl.Utf8, "item": pl.Utf8, "rating": pl.Float64, "timestamp": pl.Int64}
    found = [c for c in wanted if c in frame.columns]
    if "timestamp" in found and frame.schema["timestamp"].is_temporal():
        frame = frame.with_columns(pl.col("timestamp").dt.epoch("s"))
    try:
        typed = frame.select(pl.col(c).cast(wanted[c], strict=False) for c in found)
    except pl.exceptions.PolarsError as err:  # a list or struct column, say: no cast reads it
        kinds = ", ".join(f"{c} {frame.schema[c]}" for c in found)
        raise DataError(
            f"{path}: its columns ({kinds}) cannot be read as user, item, rating, timestamp ({err})."
        ) from None
    for column, what in (("rating", "a number"), ("timestamp", "an integer or a date")):
        if column in found:
            bad = typed[column].is_null() & frame[column].is_not_null()
            if bad.any():
                row = int(bad.arg_true()[0]) + 1
                raise DataError(f"{path}: row {row}: {column} {frame[column][row - 1]!r} is not {what}.")
    return typed


def _refuse_missing_ids(label: str, rows: pl.DataFrame, frame: pl.DataFrame, where: str = "line") -> None:
    """A user or item id that reads as a missing value (``nan``, ``NULL``, ...) is a hole in the user's
    data, not an id: kept, every such row would become one user (or item) called "nan"."""
    for col in ("user", "item"):
        ids = frame[col]
        missing = ids.is_null() | ids.str.strip_chars().str.to_lowercase().is_in(MISSING_IDS)
        bad = rows.select("lineno").with_columns(ids.alias("id")).filter(missing)
        if bad.height:
            lineno, value = bad["lineno"][0], bad["id"][0]
            raise DataError(
                f"{label}:{lineno if where == 'line' else f' row {lineno}'}: the {col} id {value!r} reads as "
                f"a missing value (nan, null, NA, None or empty), not an id. Give that {where} a real "
                f"{col} id or remove it, then import the file again."
            )


def _missing(header: list[str]) -> str:
    return " and ".join(c for c in ("user", "item") if c not in header)


def _looks_like_header(fields: list[str]) -> bool:
    """A first row that names a known column, or holds 3-4 words without digits (``uid,iid,score``).

    A data row's third and fourth fields are a rating and a timestamp, which are numbers, so such a
    row is a header whose names talosbench does not know rather than a malformed row.
    """
    if any(f in COLUMNS for f in fields):
        return True
    return len(fields) >= 3 and all(f[:1].isalpha() and not any(c.isdigit() for c in f) for f in fields)


def read_any(path: Path) -> pl.DataFrame:
    """Read a user-supplied split file: ``.txt`` as LightGCN lines, CSV/TSV/Parquet as tables."""
    return read_lightgcn(path) if path.suffix == ".txt" else read_table(path)
