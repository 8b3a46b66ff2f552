"""`talosbench datasets` and `talosbench download` through Typer's CliRunner (no network)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.catalog import CATALOG

runner = CliRunner()


def test_datasets_lists_the_catalog(tmp_path: Path) -> None:
    result = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in CATALOG.names():
        assert name in result.output
    assert "rating>=3, 10-core" in result.stdout
    detail = runner.invoke(app, ["datasets", "movielens-100k", "--data-dir", str(tmp_path)])
    assert detail.exit_code == 0 and "ml-100k-README" in detail.stdout  # terms: in the full view


def test_download_synthetic_prints_stats_and_lists_them(tmp_path: Path) -> None:
    result = runner.invoke(app, ["download", "synthetic", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "synthetic" / "meta.json").read_text())
    users, interactions = meta["stats"]["users"], meta["stats"]["interactions"]
    assert 25_000 <= interactions <= 35_000 and 900 <= users <= 1000
    assert f"interactions {interactions:,}" in result.output
    listing = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path)]).output
    line = next(x for x in listing.splitlines() if x.startswith("synthetic"))
    assert f"{interactions:,}" in line


def test_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["download", "movielens-100", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Did you mean 'movielens-100k'" in result.output
    assert not tmp_path.joinpath("movielens-100").exists()


def test_file_without_name_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["download", "--file", str(tmp_path), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2


def test_import_own_csv(tmp_path: Path) -> None:
    rows = ["user,item,rating,timestamp"] + [f"u{u},i{i},5,{u * 10 + i}" for u in range(6) for i in range(6)]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    home = tmp_path / "home"
    result = runner.invoke(
        app, ["download", "--file", str(tmp_path / "mine.csv"), "--name", "mine", "--data-dir", str(home)]
    )
    assert result.exit_code == 0, result.output
    assert "users 6  items 6  interactions 36" in result.output
    assert "mine" in runner.invoke(app, ["datasets", "--data-dir", str(home)]).output
    # a malformed file: error with file:line, and the failed import leaves nothing behind
    (tmp_path / "bad.csv").write_text("user,item\nu1,i1\nu2\n")
    bad = runner.invoke(
        app, ["download", "--file", str(tmp_path / "bad.csv"), "--name", "bad", "--data-dir", str(home)]
    )
    assert bad.exit_code == 1 and "bad.csv:3" in bad.output
    assert not (home / "bad").exists()


def test_a_dataset_too_small_to_split_fails_at_split_time(tmp_path: Path) -> None:
    # Issue 11 case 8: a 2-row import reached training and failed with torch.cat() on an empty list.
    (tmp_path / "two.csv").write_text("user,item\nu1,i1\nu2,i2\n")
    home = str(tmp_path / "home")
    imported = runner.invoke(
        app, ["download", "--file", str(tmp_path / "two.csv"), "--name", "two", "--data-dir", home]
    )
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(
        app,
        [
            "train",
            "--dataset",
            "two",
            "--device",
            "cpu",
            "--data-dir",
            home,
            "--results-dir",
            str(tmp_path / "runs"),
        ],
    )
    assert result.exit_code == 1
    assert "error: the iid split of 'two' (seed 2024) has no validation and no test rows" in result.output
    assert "more data" in result.output and "torch.cat" not in result.output
    assert not list((tmp_path / "home" / "two").glob("splits/*"))  # nothing unusable is cached


def test_import_refuses_an_id_that_reads_as_a_missing_value(tmp_path: Path) -> None:
    (tmp_path / "holes.csv").write_text("user,item\nu1,i1\nnan,i2\n")
    home = tmp_path / "home"
    result = runner.invoke(
        app, ["download", "--file", str(tmp_path / "holes.csv"), "--name", "holes", "--data-dir", str(home)]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "holes.csv:3: the user id 'nan' reads as a missing value" in result.output
    assert not (home / "holes").exists()


def test_import_maps_columns_and_names_the_users_own_file_in_errors(tmp_path: Path) -> None:
    rows = "".join(f"{u},{i},4,2010-10-{10 + u}T12:00:00Z\n" for u in range(4) for i in range(3))
    (tmp_path / "excel.csv").write_text("\ufeffuserId,movieId,rating,timestamp\n" + rows, encoding="utf-8")
    home = tmp_path / "home"
    args = ["download", "--file", str(tmp_path / "excel.csv"), "--name", "mine", "--data-dir", str(home)]
    result = runner.invoke(
        app, [*args, "--columns", "user=userId,item=movieId,rating=rating,timestamp=timestamp"]
    )
    assert result.exit_code == 0, result.output
    assert "mine: users 4  items 3  interactions 12" in result.output
    source = json.loads((home / "mine" / "source.json").read_text())
    assert source["columns"] == {
        "user": "userId",
        "item": "movieId",
        "rating": "rating",
        "timestamp": "timestamp",
    }
    (tmp_path / "excel.csv").write_text("userId,movieId\n1,2\n3,\n", encoding="utf-8")
    result = runner.invoke(app, [*args, "--columns", "user=userId,item=movieId", "--force"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{tmp_path / 'excel.csv'}:3: malformed row '3,': empty item" in result.output
    assert "raw" not in result.output


def test_sep_and_columns_go_with_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["download", "synthetic", "--sep", ";", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--sep and --columns say how to read --file PATH" in result.output
