"""Reading a user's own table: headers, quoting, separators, timestamps, other tools' formats, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from talosbench.data.errors import DataError
from talosbench.data.preprocess import preprocess
from talosbench.data.readers import SCHEMA
from talosbench.data.user_table import column_mapping, read_table, separator


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


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_byte_order_mark_iso_timestamps_and_a_column_mapping(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "excel.csv",
        "\ufeffuserId,movieId,rating,timestamp\n1,10,4.5,2010-10-19T23:55:27Z\n2,20,3,2010-10-20T00:00:00Z\n",
    )
    columns = {"user": "userId", "item": "movieId", "rating": "rating", "timestamp": "timestamp"}
    frame = read_table(path, columns=columns)
    assert frame.rows() == [("1", "10", 4.5, 1287532527), ("2", "20", 3.0, 1287532800)]
    with pytest.raises(DataError, match=r"excel.csv:1: the first row .* looks like a header.*--columns"):
        read_table(path)


def test_other_timestamp_forms_are_read_as_unix_seconds(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "t.csv", "user,item,timestamp\na,x,2020-01-01 00:00:00\nb,y,2020-01-02 00:00:01\n"
    )
    assert read_table(path)["timestamp"].to_list() == [1577836800, 1577923201]
    path = _write(tmp_path, "f.csv", "user,item,timestamp\na,x,881250949.0\nb,y,881250950.7\n")
    assert read_table(path)["timestamp"].to_list() == [881250949, 881250950]
    path = _write(tmp_path, "bad.csv", "user,item,timestamp\na,x,2020-01-01\nb,y,yesterday\n")
    with pytest.raises(DataError, match=r"bad.csv:3: malformed row 'b,y,yesterday': timestamp is neither"):
        read_table(path)


def test_quoted_fields_follow_rfc_4180_and_errors_keep_their_line(tmp_path: Path) -> None:
    text = 'user,item,rating\n"Smith, J","a ""b"" c",5\n"multi\nline",i2,"4"\nu3,i3,x\n'
    with pytest.raises(DataError, match=r"q.csv:5: malformed row 'u3,i3,x': rating is not a number"):
        read_table(_write(tmp_path, "q.csv", text))
    frame = read_table(_write(tmp_path, "q.csv", text.replace(",x", ",3")))
    assert frame["user"].to_list() == ["Smith, J", "multi\nline", "u3"]
    assert frame["item"].to_list() == ['a "b" c', "i2", "i3"]
    with pytest.raises(DataError, match=r"r.csv:3: malformed row 'u2,i2,4,9': expected 3 comma-separated"):
        read_table(_write(tmp_path, "r.csv", 'user,item,rating\n"u,1",i1,5\nu2,i2,4,9\n'))


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_the_separator_is_detected_or_given(tmp_path: Path, sep: str) -> None:
    path = _write(tmp_path, "s.txt.dat", f"user{sep}item{sep}rating\nu1{sep}i1{sep}5\n")
    assert read_table(path).rows() == [("u1", "i1", 5.0, None)]
    assert read_table(path, sep=sep).rows() == [("u1", "i1", 5.0, None)]
    path = _write(tmp_path, "comma.csv", "user;item\nu1;i1,x\n")  # a .csv with a comma is comma-separated
    assert read_table(path, sep=";")["item"].to_list() == ["i1,x"]


def test_a_recbole_atomic_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "ml.inter",
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n186\t302\t3.0\t8.9e8\n",
    )
    assert read_table(path).rows() == [("196", "242", 3.0, 881250949), ("186", "302", 3.0, 890000000)]


def test_a_lenskit_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "ratings.parquet"
    when = [datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 2, tzinfo=UTC)]
    pl.DataFrame({"user_id": [1, 2], "item_id": [10, 20], "rating": [4, 5], "timestamp": when}).write_parquet(
        path
    )
    assert read_table(path).rows() == [("1", "10", 4.0, 1577836800), ("2", "20", 5.0, 1577923200)]
    renamed = tmp_path / "other.parquet"
    pl.DataFrame({"uid": ["a"], "iid": ["b"]}).write_parquet(renamed)
    assert read_table(renamed, columns={"user": "uid", "item": "iid"}).rows() == [("a", "b", None, None)]
    with pytest.raises(DataError, match=r"--columns user=who names no column \(it has uid, iid\)"):
        read_table(renamed, columns={"user": "who", "item": "iid"}, label="mine.parquet")


def test_errors_name_the_label_given_for_the_users_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "copy.csv", "user,item\nu1,\n")
    with pytest.raises(DataError, match=r"^/home/me/ratings.csv:2: malformed row 'u1,': empty item"):
        read_table(path, label="/home/me/ratings.csv")


@pytest.mark.parametrize("given", ["user=a,item", "who=a", "user=a,user=b", ""])
def test_a_column_mapping_that_does_not_read_is_refused(given: str) -> None:
    with pytest.raises(DataError, match="expected NAME=COLUMN pairs"):
        column_mapping(given)


def test_the_separator_is_one_character_or_a_name() -> None:
    assert [separator(s) for s in ("tab", "\\t", ";", "comma", None)] == ["\t", "\t", ";", ",", None]
    with pytest.raises(DataError, match="--sep '::': give one character"):
        separator("::")


def test_an_unclosed_quote_and_blank_lines_keep_the_line_numbers(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"u.csv:4: malformed row '\"u2,i2\\nu3,i3': a quote opened here is never"
    ):
        read_table(_write(tmp_path, "u.csv", '\n\nuser,item\n"u2,i2\nu3,i3\n'))
    with pytest.raises(DataError, match=r"b.csv:7: malformed row 'u2,': empty item"):
        read_table(_write(tmp_path, "b.csv", '\n \nuser,item\r\n"u\n\n1",i1\r\nu2,\n'))


@pytest.mark.parametrize(
    ("column", "values", "says"),
    [
        ("timestamp", ["1", "soon", "3"], "row 2: timestamp is neither Unix seconds nor a date"),
        ("rating", ["4", "5", "good"], "row 3: rating 'good' is not a number."),
    ],
)
def test_a_parquet_value_of_the_wrong_type_is_refused_with_its_row(
    tmp_path: Path, column: str, values: list[str], says: str
) -> None:
    path = tmp_path / "mine.parquet"
    pl.DataFrame({"user": ["u1", "u2", "u3"], "item": ["i1", "i2", "i3"], column: values}).write_parquet(path)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}: {says}")
    nested = tmp_path / "nested.parquet"
    pl.DataFrame({"user": [[1], [2]], "item": ["i1", "i2"]}).write_parquet(nested)
    with pytest.raises(DataError, match="cannot be read as user, item, rating, timestamp"):
        read_table(nested)
