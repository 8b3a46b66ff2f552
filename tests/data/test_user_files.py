"""``download --file``: what is accepted, a second import of the same or other data, what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.data.errors import DataError
from talosbench.data.user_files import import_file

CSV = "user,item\n" + "".join(f"u{u},i{i}\n" for u in range(4) for i in range(3))


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    (tmp_path / "x.csv").write_text(CSV)
    return tmp_path / "x.csv"


def test_the_same_file_again_is_reused_and_other_data_needs_force(tmp_path: Path, csv: Path) -> None:
    home = tmp_path / "home"
    events: list[str] = []
    out = import_file(csv, "mine", data_dir=home, on_event=events.append)
    assert (
        events == [f"copying {csv} (data)", "reading x.csv"] and (home / "mine" / "raw" / "x.csv").is_file()
    )
    events.clear()
    assert import_file(csv, "mine", data_dir=home, on_event=events.append) == out
    assert events == ["mine already imported from the same file(s); reusing it"]
    (tmp_path / "y.csv").write_text(CSV + "u9,i9\n")
    with pytest.raises(DataError, match=f"'mine' was already imported from {csv.resolve()}; pass --force"):
        import_file(tmp_path / "y.csv", "mine", data_dir=home)
    import_file(tmp_path / "y.csv", "mine", data_dir=home, force=True)
    assert sorted(p.name for p in (home / "mine" / "raw").iterdir()) == ["y.csv"]  # the old copy is gone


def test_a_split_folder_takes_the_references_file_names_first(tmp_path: Path) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    pairs = "user,item\n" + "".join(f"u{u},i{u}\n" for u in range(4))
    for name in ("train.csv", "train_data.csv", "val.csv", "test.tsv"):
        (folder / name).write_text(pairs if name != "test.tsv" else pairs.replace(",", "\t"))
    events: list[str] = []
    import_file(folder, "given", data_dir=tmp_path / "home", on_event=events.append)
    copied = [event.split(" ")[1] for event in events if event.startswith("copying")]
    assert copied == [str(folder / "train_data.csv"), str(folder / "val.csv"), str(folder / "test.tsv")]


def test_what_cannot_be_imported_is_refused_before_anything_is_written(tmp_path: Path, csv: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(DataError, match="'synthetic' is a catalog dataset; choose another --name"):
        import_file(csv, "synthetic", data_dir=home)
    with pytest.raises(DataError, match="does not exist; give a CSV/TSV/Parquet file or a folder of splits"):
        import_file(tmp_path / "absent.csv", "mine", data_dir=home)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match=r"expected a \.csv, \.tsv or \.parquet file, or a folder of splits"):
        import_file(tmp_path / "x.json", "mine", data_dir=home)
    (tmp_path / "only-train").mkdir()
    (tmp_path / "only-train" / "train.csv").write_text(CSV)
    with pytest.raises(DataError, match="is not a folder of ready-made splits: it needs a train and a test"):
        import_file(tmp_path / "only-train", "mine", data_dir=home)
    assert not home.exists() or list(home.iterdir()) == []


def test_a_recbole_file_is_imported_and_other_options_need_force(tmp_path: Path) -> None:
    rows = "".join(f"{u}\t{i}\t3\t88125094{i}\n" for u in range(4) for i in range(3))
    path = tmp_path / "ml.inter"
    path.write_text("user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + rows)
    home = tmp_path / "home"
    import_file(path, "recbole", data_dir=home)
    assert "sep" not in (home / "recbole" / "source.json").read_text()  # recorded only when given
    with pytest.raises(
        DataError, match=r"already imported from .*ml.inter with other --sep/--columns; pass --force"
    ):
        import_file(path, "recbole", data_dir=home, sep="tab")
    import_file(path, "recbole", data_dir=home, sep="tab", force=True)
    assert '"sep": "\\t"' in (home / "recbole" / "source.json").read_text()


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ('{"kind": "tab', "it does not read (Unterminated string"),
        (b"\xff\xfe{", "it does not read ("),
        ("[1, 2]", "it holds no JSON object"),
        ('{"kind": "zip"}', "its kind is 'zip', not one of table, splits"),
        ('{"kind": "table", "original": "x", "sha256": 3}', "its 'sha256' is not a string"),
        (
            '{"kind": "table", "original": "x", "sha256": "a", "files": {"data": "../../etc/passwd"}}',
            "its 'files' name something other than a file of its raw/ folder",
        ),
    ],
)
def test_a_damaged_import_record_is_one_error_and_force_replaces_it(
    tmp_path: Path, csv: Path, record: str | bytes, problem: str
) -> None:
    from talosbench.data.entries import get_entry
    from talosbench.data.errors import DamagedImportError

    home = tmp_path / "home"
    import_file(csv, "mine", data_dir=home)
    source = home / "mine" / "source.json"
    source.write_bytes(record if isinstance(record, bytes) else record.encode())
    for attempt in (lambda: get_entry("mine", home), lambda: import_file(csv, "mine", data_dir=home)):
        with pytest.raises(DamagedImportError) as info:
            attempt()
        assert str(info.value).startswith(
            f"{source}: the record of the import of dataset 'mine' is damaged: "
        )
        assert problem in str(info.value)
        assert str(info.value).endswith("`talosbench download --file PATH --name mine --force`")
    import_file(csv, "mine", data_dir=home, force=True)
    assert get_entry("mine", home).extra["original"] == str(csv.resolve())
