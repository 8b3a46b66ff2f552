"""A user's own table (``download --file``): delimited text or Parquet into the common frame.

Delimited text is parsed by Polars' CSV reader (RFC 4180 quoting, a UTF-8 byte-order mark), with the
separator given (``--sep``) or detected, and its header's columns named for talosbench by
``--columns user=userId,...``, by a RecBole atomic header (``user_id:token``) or as LensKit names them
(``user_id``). Each record keeps the line it starts on, so an error names the user's file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from talosbench.data.errors import DataError
from talosbench.data.readers import (
    COLUMNS,
    FIX_HINT,
    SEP_NAMES,
    fail,
    file_bytes,
    normalise,
    read_lightgcn,
    utf8_text,
)
from talosbench.data.timestamps import unix_seconds

ALIASES = {"user_id": "user", "item_id": "item"}
"""Header names other tools write for talosbench's columns (RecBole, LensKit)."""
RECBOLE_TYPES = ("token", "token_seq", "float", "float_seq")
"""The field types of a RecBole atomic file's header, written ``name:type``."""
SEP_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
DETECTED = (",", "\t", ";", "|")
"""Separators detected from the first line (the most frequent wins; ties go to the first here)."""
MISSING_IDS = ("nan", "null", "na", "none", "")
"""Ids (any case) that spreadsheets and pandas write for a missing value: a user's file must not use them."""


def separator(given: str | None) -> str | None:
    """The one-character separator ``--sep`` names (``tab``, ``;``, ...); None when not given."""
    if given is None:
        return None
    sep = SEP_WORDS.get(given.lower(), given)
    if len(sep) != 1 or sep in '"\n\r':
        raise DataError(
            f"--sep {given!r}: give one character (for example ';' or '|') or one of "
            f"{', '.join(SEP_WORDS)}; the separator is otherwise detected from the first line."
        )
    return sep


def column_mapping(given: str | Mapping[str, str] | None) -> dict[str, str] | None:
    """``user=userId,item=movieId`` (or that mapping) as {talosbench column: the file's column}, checked;
    None when not given."""
    if given is None:
        return None
    pairs = (
        [pair.partition("=")[::2] for pair in given.split(",")] if isinstance(given, str) else given.items()
    )
    mapping: dict[str, str] = {}
    for ours, theirs in ((str(a).strip(), str(b).strip()) for a, b in pairs):
        if ours not in COLUMNS or not theirs or ours in mapping:
            shown = given if isinstance(given, str) else ",".join(f"{a}={b}" for a, b in given.items())
            raise DataError(
                f"--columns {shown!r}: expected NAME=COLUMN pairs separated by commas, each NAME once and "
                f"one of {', '.join(COLUMNS)}, e.g. user=userId,item=movieId,rating=rating."
            )
        mapping[ours] = theirs
    return mapping


def read_table(
    path: Path, *, sep: str | None = None, columns: Mapping[str, str] | None = None, label: str | None = None
) -> pl.DataFrame:
    """A user's CSV / TSV / RecBole ``.inter`` / Parquet file into the common user/item/rating/timestamp
    frame; ``label`` names the file in errors (the user's own path, not the copy being read)."""
    label = label or str(path)
    if path.suffix == ".parquet":
        return _read_parquet(path, columns, label)
    text = utf8_text(file_bytes(path, None)[0], label).removeprefix("\ufeff")
    records = _records(text)
    data = records.filter(records["text"].str.strip_chars() != "")
    if data.height == 0:
        raise DataError(f"{label} is empty; a dataset file needs rows of user, item[, rating[, timestamp]].")
    sep = sep or _detect(data["text"][0], path.suffix)
    first = [str(field) for field in _parse(data["text"][0], sep, label).row(0)]
    names, has_header = _names(label, data.row(0, named=True), first, sep, columns)
    if has_header:
        data = data.slice(1)
        if data.height == 0:
            raise DataError(
                f"{label} has a header but no data rows; add rows of "
                f"{', '.join(f.strip().lower() for f in first)} below it."
            )
    rows = data.rename({"text": "line"})
    unclosed = rows["line"].str.count_matches('"', literal=True) % 2 == 1  # it ran to the end of the file
    fail(label, rows, unclosed, f"a quote opened here is never closed; {QUOTING}")
    counts = rows["line"].str.replace_all(r'"[^"]*"', "").str.count_matches(sep, literal=True) + 1
    wanted = ", ".join(x or "_" for x in names)
    fail(
        label,
        rows,
        counts != len(names),
        f"expected {len(names)} {_sep_name(sep)}-separated fields ({wanted})",
    )
    # one record a line, blank lines left out: the parser's rows are these records, in order
    parsed = _parse(rows["line"].str.join("\n").item(), sep, label, width=len(names))
    if parsed.height != rows.height:  # the parser read the quotes otherwise than the count above
        raise DataError(f"{label}: {_unreadable(sep)} {FIX_HINT}")
    named = parsed.select(pl.col(parsed.columns[i]).alias(n) for i, n in enumerate(names) if n)
    return _typed(label, named, rows)


def _sep_name(sep: str) -> str:
    return SEP_NAMES.get(sep, repr(sep))


QUOTING = 'quote a field holding the separator, a quote or a line break as RFC 4180 does: "a, ""b"""'


def _unreadable(sep: str) -> str:
    return f"cannot be read as {_sep_name(sep)}-separated text; {QUOTING}."


def _parse(text: str, sep: str, label: str, width: int | None = None) -> pl.DataFrame:
    """Polars' reading of ``text``, every field a string (an empty one empty, not null)."""
    try:
        return pl.read_csv(
            text.encode(),
            has_header=False,
            separator=sep,
            infer_schema=False,
            empty_string_is_null=False,
            schema={f"f{i}": pl.Utf8 for i in range(width)} if width else None,
        )
    except pl.exceptions.PolarsError as err:
        raise DataError(f"{label}: {_unreadable(sep)} ({str(err).splitlines()[0]}) {FIX_HINT}") from err


def _records(text: str) -> pl.DataFrame:
    """Each record's text and the line it starts on: a line break inside quotes continues the record."""
    lines = pl.Series("text", text.removesuffix("\n").split("\n")).str.strip_chars_end("\r")
    quotes = lines.str.count_matches('"', literal=True)
    starts = ((quotes.cum_sum() - quotes) % 2 == 0).cum_sum().alias("record")  # quotes before it even
    frame = pl.DataFrame([lines, starts]).with_row_index("lineno", offset=1)
    return (
        frame.group_by("record", maintain_order=True)
        .agg(pl.col("lineno").first(), pl.col("text").str.join("\n"))
        .drop("record")
    )


def _detect(first: str, suffix: str) -> str:
    """The separator of a file whose first record is ``first``: tab for .tsv and RecBole's .inter, comma for
    a .csv that has one, else the most frequent of the usual ones (comma when none occurs)."""
    if suffix in (".tsv", ".inter"):
        return "\t"
    if suffix == ".csv" and "," in first:
        return ","
    counts = [(first.count(sep), -rank, sep) for rank, sep in enumerate(DETECTED)]
    return max(counts)[2] if max(counts)[0] else ","


def _header_names(fields: list[str], columns: Mapping[str, str] | None) -> list[str]:
    """The first row's fields as talosbench would name them: mapped by ``columns``, RecBole's ``:type``
    dropped, other tools' names (``user_id``) aliased, lower-case."""
    names = [f.strip() for f in fields]
    names = [n.rpartition(":")[0] if n.rpartition(":")[2] in RECBOLE_TYPES else n for n in names]
    theirs = {v.lower(): k for k, v in (columns or {}).items()}
    return [theirs.get(n.lower()) or ALIASES.get(n.lower(), n.lower()) for n in names]


def _names(
    label: str, first_row: dict[str, object], fields: list[str], sep: str, columns: Mapping[str, str] | None
) -> tuple[list[str | None], bool]:
    """The column each field of the first row (``fields``) holds (None: ignored), and whether that row is a
    header."""
    header = _header_names(fields, columns)
    where, line = f"{label}:{first_row['lineno']}", str(first_row["text"])
    if columns:
        absent = [f"{k}={v}" for k, v in columns.items() if k not in header]
        if absent:
            raise DataError(
                f"{where}: --columns {', '.join(absent)} names no column of the header {line[:200]!r}; "
                "give the names the first row of the file uses."
            )
    if "user" in header and "item" in header:
        return [h if h in COLUMNS else None for h in header], True
    if _looks_like_header(header):
        named = [h for h in header if h in COLUMNS]
        raise DataError(
            f"{where}: the first row {line[:200]!r} looks like a header, but "
            f"{'it names no known column' if not named else 'it lacks ' + _missing(header)}: a header "
            "names columns user and item (and optionally rating, timestamp). Map yours with --columns "
            "user=NAME,item=NAME[,rating=NAME,timestamp=NAME], rename them, or remove the header row and "
            "keep the columns in the order user, item[, rating, timestamp]."
        )
    if not 2 <= len(fields) <= 4:
        raise DataError(
            f"{where}: expected a header naming user, item[, rating, timestamp] or 2-4 "
            f"{_sep_name(sep)}-separated columns in that order; found {len(fields)} fields."
        )
    return list(COLUMNS[: len(fields)]), False


def _typed(label: str, named: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The named string fields cast to the common schema; the first value that does not parse is an error
    naming its line."""
    for col in ("user", "item"):
        fail(label, rows, named[col].str.strip_chars() == "", f"empty {col}")
    out = [named[c].str.strip_chars() for c in ("user", "item")]
    if "rating" in named.columns:
        rating = named["rating"].str.strip_chars().cast(pl.Float64, strict=False)
        fail(label, rows, rating.is_null(), "rating is not a number")
        out.append(rating.alias("rating"))
    if "timestamp" in named.columns:
        seconds = unix_seconds(named["timestamp"].str.strip_chars())
        fail(label, rows, seconds.is_null(), TIMESTAMP_PROBLEM)
        out.append(seconds.alias("timestamp"))
    frame = normalise(pl.DataFrame(out))
    refuse_missing_ids(label, rows, frame)
    return frame


TIMESTAMP_PROBLEM = (
    "timestamp is neither Unix seconds nor a date and time (ISO 8601 like 2010-10-19T23:55:27Z, "
    "or one format for the whole column)"
)


def _read_parquet(path: Path, columns: Mapping[str, str] | None, label: str) -> pl.DataFrame:
    """A Parquet table (LensKit writes user_id/item_id or user/item, rating, timestamp)."""
    try:
        frame = pl.read_parquet(path)
    except Exception as err:
        raise DataError(f"Cannot read Parquet file {label}: {err}.") from err
    header = _header_names(frame.columns, columns)
    absent = [f"{k}={v}" for k, v in (columns or {}).items() if k not in header]
    missing = [c for c in ("user", "item") if c not in header]
    if absent or missing:
        what = f"--columns {', '.join(absent)} names no column" if absent else f"lacks {', '.join(missing)}"
        raise DataError(
            f"{label} {what} (it has {', '.join(frame.columns)}); a dataset file needs columns user, item "
            "and optionally rating, timestamp: map yours with --columns user=NAME,item=NAME."
        )
    frame = frame.rename(dict(zip(frame.columns, header, strict=True))).select(
        c for c in COLUMNS if c in header
    )
    rows = frame.with_row_index("lineno", offset=1).select("lineno")
    wanted = {"user": pl.Utf8, "item": pl.Utf8, "rating": pl.Float64}
    try:
        typed = frame.select(pl.col(c).cast(wanted[c], strict=False) for c in wanted if c in frame.columns)
    except pl.exceptions.PolarsError as err:  # a list or struct column, say: no cast reads it
        kinds = ", ".join(f"{c} {frame.schema[c]}" for c in frame.columns)
        raise DataError(
            f"{label}: its columns ({kinds}) cannot be read as {', '.join(COLUMNS)} ({err})."
        ) from None
    if "rating" in frame.columns:
        bad = rows.filter(typed["rating"].is_null() & frame["rating"].is_not_null())
        if bad.height:
            row = bad["lineno"][0]
            raise DataError(
                f"{label}: row {row}: rating {frame['rating'][row - 1]!r} is not a number. {FIX_HINT}"
            )
    frame = typed.with_columns(frame.select(c for c in ["timestamp"] if c in frame.columns))
    if "timestamp" in frame.columns:
        seconds = unix_seconds(frame["timestamp"])
        bad = rows.filter(seconds.is_null() & frame["timestamp"].is_not_null())
        if bad.height:
            raise DataError(f"{label}: row {bad['lineno'][0]}: {TIMESTAMP_PROBLEM}. {FIX_HINT}")
        frame = frame.with_columns(seconds.alias("timestamp"))
    frame = normalise(frame)
    refuse_missing_ids(label, rows, frame, where="row")
    return frame


def refuse_missing_ids(label: str, rows: pl.DataFrame, frame: pl.DataFrame, where: str = "line") -> None:
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


def read_any(
    path: Path, *, sep: str | None = None, columns: Mapping[str, str] | None = None, label: str | None = None
) -> pl.DataFrame:
    """Read a user-supplied split file: ``.txt`` as LightGCN lines, other files as tables."""
    if path.suffix == ".txt":
        return read_lightgcn(path, label)
    return read_table(path, sep=sep, columns=columns, label=label)
