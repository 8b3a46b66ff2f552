"""``talosbench datasets``: a compact listing within 100 columns, one dataset in full, JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.data.catalog import CATALOG

runner = CliRunner()
WIDTH = 100
"""Columns a listing may take (issue 14: a common terminal width)."""


def test_the_listing_fits_100_columns_and_json_has_every_field(tmp_path: Path) -> None:
    result = runner.invoke(app, ["datasets", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert max(map(len, result.stdout.splitlines())) <= WIDTH
    items = json.loads(runner.invoke(app, ["datasets", "--json", "--data-dir", str(tmp_path)]).stdout)
    assert [item["name"] for item in items] == CATALOG.names()
    ml = next(item for item in items if item["name"] == "movielens-100k")
    entry = CATALOG.get("movielens-100k")
    assert ml["license"] == entry.license and ml["citation"] == entry.citation and ml["url"] == entry.url
    assert ml["preprocess"] == dict(entry.preprocess) and ml["stats"] is None


def test_one_dataset_in_full(tmp_path: Path) -> None:
    result = runner.invoke(app, ["datasets", "movielens-100k", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    entry = CATALOG.get("movielens-100k")
    assert result.stdout.startswith("dataset movielens-100k: GroupLens MovieLens 100K")
    assert entry.license in result.stdout and "talosbench download movielens-100k" in result.stdout
    assert max(map(len, result.stdout.splitlines())) <= WIDTH
    wrong = runner.invoke(app, ["datasets", "movielens-100", "--data-dir", str(tmp_path)])
    assert wrong.exit_code == 2 and "Did you mean 'movielens-100k'" in wrong.output


def test_the_data_home_comes_from_talosbench_home(tmp_path: Path) -> None:
    runner.invoke(
        app,
        ["download", "--file", str(_csv(tmp_path)), "--name", "mine", "--data-dir", str(tmp_path / "home")],
    )
    result = runner.invoke(app, ["datasets", "--json"], env={"TALOSBENCH_HOME": str(tmp_path / "home")})
    assert result.exit_code == 0, result.output
    assert "mine" in [item["name"] for item in json.loads(result.stdout)]


def test_a_foreign_folder_in_the_data_home_is_skipped_with_a_note(tmp_path: Path) -> None:
    home, outside = tmp_path / "home", tmp_path / "outside"
    runner.invoke(app, ["download", "--file", str(_csv(tmp_path)), "--name", "mine", "--data-dir", str(home)])
    (outside / "linked").mkdir(parents=True)
    (outside / "linked" / "source.json").write_text("{not json")
    (home / "linked").symlink_to(outside / "linked", target_is_directory=True)
    (home / "junk").mkdir()
    (home / "junk" / "source.json").write_text('{"kind": "table"}')  # no original: no import wrote it
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["datasets", "--data-dir", str(home), *extra])
        assert result.exit_code == 0, result.output
        assert f"note: skipped {home / 'linked'}, not a dataset" in result.stderr
        assert "outside the data home" in result.stderr
        # a source.json no import wrote is a damaged import: the note says how to import it again
        assert f"note: {home / 'junk' / 'source.json'}: the record of the import" in result.stderr
    names = [item["name"] for item in json.loads(result.stdout)]
    assert names == [*CATALOG.names(), "mine"]


def _csv(folder: Path) -> Path:
    path = folder / "mine.csv"
    rows = [f"{u},{i}" for u in range(12) for i in range(12) if (u + i) % 3]
    path.write_text("user,item\n" + "\n".join(rows) + "\n")
    return path


def test_a_damaged_import_is_one_note_in_the_listing_and_an_error_by_name(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(
        "user,item\n" + "".join(f"u{u},i{i}\n" for u in range(4) for i in range(3))
    )
    home = ["--data-dir", str(tmp_path / "home")]
    assert (
        runner.invoke(app, ["download", "--file", str(tmp_path / "x.csv"), "--name", "mine", *home]).exit_code
        == 0
    )
    source = tmp_path / "home" / "mine" / "source.json"
    source.write_text('{"kind": ')
    listing = runner.invoke(app, ["datasets", *home])
    assert listing.exit_code == 0, listing.output
    notes = [line for line in listing.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and notes[0].startswith(
        f"note: {source}: the record of the import of dataset 'mine'"
    )
    assert "movielens-100k" in listing.stdout and "mine" not in listing.stdout
    alone = runner.invoke(app, ["datasets", "mine", *home])
    assert (
        alone.exit_code == 1
        and alone.stderr.startswith(f"error: {source}: ")
        and "Traceback" not in alone.output
    )
