"""Reading a user's own table: headers talosbench does not know, and files without data rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from talosbench.data.errors import DataError
from talosbench.data.preprocess import preprocess
from talosbench.data.readers import SCHEMA, read_table


def _read(tmp_path: Path, text: str) -> pl.DataFrame:
    path = tmp_path / "mine.csv"
    path.write_text(text)
    return read_table(path)


def test_an_unknown_header_is_reported_as_a_header(tmp_path: Path) -> None:
    # Issue 11 case 8: `uid,iid,score` was reported as a malformed row whose rating is not a number.
    with pytest.raises(DataError) as err:
        _read(tmp_path, "uid,iid,score\n1,2,3\n")
    assert "mine.csv:1: the first row 'uid,iid,score' looks like a header" in str(err.value)
    assert "names no known column" in str(err.value) and "not a number" not in str(err.value)
    with pytest.raises(DataError, match="looks like a header, but it lacks user and item"):
        _read(tmp_path, "userId,movieId,rating,timestamp\n1,2,3,4\n")


def test_a_first_row_that_is_data_is_still_read_or_reported_as_a_row(tmp_path: Path) -> None:
    frame = _read(tmp_path, "u1,i1,5\nu2,i1,4\n")
    assert frame["user"].to_list() == ["u1", "u2"] and frame["rating"].to_list() == [5.0, 4.0]
    with pytest.raises(DataError, match="malformed row 'u1,i1,x': rating is not a number"):
        _read(tmp_path, "u1,i1,x\n")


def test_a_file_without_data_rows_is_not_told_to_loosen_filters(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        _read(tmp_path, "user,item\n")
    assert "has a header but no data rows" in str(err.value) and "Loosen" not in str(err.value)
    empty = pl.DataFrame(schema=SCHEMA)
    with pytest.raises(DataError) as err:
        preprocess(empty, {"min_rating": None, "k_core": 0}, name="mine")
    assert "no data rows" in str(err.value) and "Loosen" not in str(err.value)


@pytest.mark.parametrize("missing", ["nan", "NaN", "null", "NULL", "NA", "None", " nan "])
@pytest.mark.parametrize("column", ["user", "item"])
def test_an_id_that_reads_as_a_missing_value_is_refused_with_its_line(
    tmp_path: Path, missing: str, column: str
) -> None:
    row = f"{missing},i2,4" if column == "user" else f"u2,{missing},4"
    with pytest.raises(DataError) as err:
        _read(tmp_path, f"user,item,rating\nu1,i1,5\n\n{row}\n")
    assert str(err.value).startswith(
        f"{tmp_path / 'mine.csv'}:4: the {column} id {missing.strip()!r} reads as a missing value"
    )


def test_an_empty_id_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"mine.csv:2: malformed row ',i1': empty user"):
        _read(tmp_path, "u1,i1\n,i1\n")


@pytest.mark.parametrize("missing", ["NaN", None])
def test_a_parquet_id_that_reads_as_a_missing_value_is_refused_with_its_row(
    tmp_path: Path, missing: str | None
) -> None:
    path = tmp_path / "mine.parquet"
    pl.DataFrame({"user": ["u1", "u2", "u3"], "item": ["i1", missing, "i2"]}).write_parquet(path)
    with pytest.raises(DataError) as err:
        read_table(path)
    assert str(err.value).startswith(f"{path}: row 2: the item id {missing!r} reads as a missing value")


def test_ids_that_only_contain_nan_are_ids(tmp_path: Path) -> None:
    assert _read(tmp_path, "user,item\nnancy,banana\n")["user"].to_list() == ["nancy"]


@pytest.mark.parametrize(
    ("column", "values", "says"),
    [
        ("timestamp", ["1", "nan", "3"], "row 2: timestamp 'nan' is not an integer or a date."),
        ("rating", ["4", "5", "good"], "row 3: rating 'good' is not a number."),
    ],
)
def test_a_parquet_value_of_the_wrong_type_is_refused_with_its_row(
    tmp_path: Path, column: str, values: list[str], says: str
) -> None:
    path = tmp_path / "mine.parquet"
    pl.DataFrame({"user": ["u1", "u2", "u3"], "item": ["i1", "i2", "i3"], column: values}).write_parquet(path)
    with pytest.raises(DataError, match=f"^{path}: {says}$".replace(".", r"\.")):
        read_table(path)
    nested = tmp_path / "nested.parquet"
    pl.DataFrame({"user": [[1], [2]], "item": ["i1", "i2"]}).write_parquet(nested)
    with pytest.raises(DataError, match="cannot be read as user, item, rating, timestamp"):
        read_table(nested)
