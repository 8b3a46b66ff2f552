"""The ``report`` and ``plot`` commands: output, file writing, source resolution, errors."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.report import ReportError, resolve_source

runner = CliRunner()


def test_report_prints_markdown(golden: Path) -> None:
    result = runner.invoke(app, ["report", str(golden), "--table", "accuracy", "--metric", "precision@20"])
    assert result.exit_code == 0, result.output
    assert "### Accuracy" in result.stdout and "+47.62%↑* vs sl" in result.stdout
    assert "### Efficiency" not in result.stdout


def test_report_writes_output(golden: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.tex"
    result = runner.invoke(app, ["report", str(golden), "--format", "latex", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().count(r"\begin{table}") == 6


def test_report_errors_exit_2(golden: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(golden), "--format", "docx"])
    message = " ".join(result.output.replace("│", " ").split())  # typer's framed message, unwrapped
    assert result.exit_code == 2
    assert "'docx' is not one of 'markdown', 'latex', 'csv', 'json', 'html'" in message
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no results at" in result.output
    result = runner.invoke(app, ["report", str(golden), "--metric", "mrr@5"])
    assert result.exit_code == 2 and "unknown metric mrr@5" in result.output


def test_resolve_source_picks_newest_suite_or_name(golden: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    old, new = shutil.copytree(golden, runs / "old"), shutil.copytree(golden, runs / "new")
    (runs / "empty").mkdir()
    os.utime(old, (1, 1))
    os.utime(new, (2, 2))
    assert resolve_source(None, runs) == new
    assert resolve_source("old", runs) == runs / "old"
    suite = tmp_path / "s.toml"
    suite.write_text('[suite]\nname = "old"\n')
    assert resolve_source(str(suite), runs) == runs / "old"
    with pytest.raises(ReportError, match="suites there: empty, new, old"):
        resolve_source("missing", runs)
    with pytest.raises(ReportError, match="no suite results in"):
        resolve_source(None, tmp_path / "none")


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("r.csv", "table,"),
        ("r.json", "["),
        ("r.md", "### "),
        ("r.txt", "### "),
        ("r.html", "<"),
        ("r.tex", "% Requires"),
    ],
)
def test_report_output_takes_its_format_from_the_extension(
    golden: Path, tmp_path: Path, name: str, starts: str
) -> None:
    target = tmp_path / name
    result = runner.invoke(app, ["report", str(golden), "--table", "accuracy", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().lstrip().startswith(starts), target.read_text()[:80]
    if name.endswith(".json"):
        json.loads(target.read_text())


def test_report_format_and_extension_must_agree(golden: Path, tmp_path: Path) -> None:
    agree = runner.invoke(app, ["report", str(golden), "--format", "csv", "-o", str(tmp_path / "a.csv")])
    assert agree.exit_code == 0, agree.output
    clash = runner.invoke(app, ["report", str(golden), "--format", "csv", "-o", str(tmp_path / "b.md")])
    message = " ".join(clash.output.replace("│", " ").split())
    assert clash.exit_code == 2 and "--format csv does not match -o" in message
    unknown = runner.invoke(app, ["report", str(golden), "-o", str(tmp_path / "c.docx")])
    assert unknown.exit_code == 2 and "cannot tell the format" in unknown.output
    given = runner.invoke(app, ["report", str(golden), "--format", "json", "-o", str(tmp_path / "d.out")])
    assert given.exit_code == 0 and json.loads((tmp_path / "d.out").read_text())  # --format names it
    assert not (tmp_path / "b.md").exists() and not (tmp_path / "c.docx").exists()


def test_report_and_plot_find_a_suite_name_in_the_results_dir(golden: Path, tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    shutil.copytree(golden, root / "golden")
    args = ["golden", "--results-dir", str(root)]
    result = runner.invoke(app, ["report", *args, "--table", "accuracy", "--metric", "precision@20"])
    assert result.exit_code == 0 and "### Accuracy" in result.stdout, result.output
    newest = runner.invoke(app, ["report", "--results-dir", str(root), "--table", "accuracy"])
    assert newest.exit_code == 0 and "### Accuracy" in newest.stdout, newest.output
    missing = runner.invoke(app, ["plot", "nothing", "--results-dir", str(root)])
    assert missing.exit_code == 2 and "suites there: golden" in missing.output


@pytest.mark.parametrize("fmt", ["svg", pytest.param("pdf", marks=pytest.mark.slow)])
def test_plot_output_file_sets_the_format_and_prefix(golden: Path, tmp_path: Path, fmt: str) -> None:
    pytest.importorskip("matplotlib")
    result = runner.invoke(app, ["plot", str(golden), "-o", str(tmp_path / "figs" / f"ml.{fmt}")])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert "figs/ml-accuracy_precisionat20." + fmt in {f"{p.parent.name}/{p.name}" for p in paths}
    magic = {"svg": b"<?xml", "pdf": b"%PDF"}[fmt]
    for path in paths:
        assert path.parent == tmp_path / "figs" and path.name.startswith("ml-") and path.suffix == f".{fmt}"
        assert path.read_bytes().startswith(magic)


def test_plot_format_option_and_conflicts(golden: Path, tmp_path: Path) -> None:
    clash = runner.invoke(app, ["plot", str(golden), "--format", "pdf", "-o", str(tmp_path / "a.svg")])
    assert clash.exit_code == 2 and "does not match" in " ".join(clash.output.replace("│", " ").split())
    assert list(tmp_path.iterdir()) == []


def read_only(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Every atomic write under ``root`` fails as on a read-only file system (root ignores chmod)."""
    from talosbench.data import store

    write = store.atomic_write_bytes

    def refuse(path: Path, data: bytes) -> None:
        if root == path or root in path.parents:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        write(path, data)

    monkeypatch.setattr(store, "atomic_write_bytes", refuse)


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up once a file passes 1 KB: the write-check probe fits, a report or figure not."""
    fsync = os.fsync

    def fill(fd: int) -> None:
        if os.fstat(fd).st_size > 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", fill)


def test_report_output_is_checked_writable_before_any_work(
    golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_only(monkeypatch, tmp_path / "ro")
    built: list[Path] = []
    monkeypatch.setattr("talosbench.report.report", lambda where, **kwargs: built.append(where) or "text")
    result = runner.invoke(app, ["report", str(golden), "-o", str(tmp_path / "ro" / "report.md")])
    assert result.exit_code == 2 and built == []
    assert result.stderr == (
        f"error: cannot write to {tmp_path / 'ro'}: Read-only file system; choose another -o or fix its "
        "permissions\n"
    )
    folder = runner.invoke(app, ["report", str(golden), "-o", str(tmp_path)])
    message = " ".join(folder.output.replace("│", " ").split())  # typer's framed message, unwrapped
    assert folder.exit_code == 2 and "is a folder: name the file to write" in message


@pytest.mark.parametrize("name", ["report.html", "report.md"])
def test_report_on_a_full_disk_leaves_no_partial_file(
    golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    full_disk(monkeypatch)
    target = tmp_path / "out" / name
    result = runner.invoke(app, ["report", str(golden), "-o", str(target), "--table", "accuracy"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    if name.endswith(".md"):
        full = "No space left on device; free some space or choose another -o"
        assert line == f"error: cannot write to {target}: {full}"
    else:  # the page's figures are drawn in a temporary folder first, and fill the disk there
        assert line.startswith("error: cannot write to ") and line.endswith(
            ".png: No space left on device; free some space or choose another $TMPDIR"
        )
    assert "Traceback" not in result.output and list(target.parent.iterdir()) == []


def test_plot_on_a_read_only_store_goes_to_a_writable_folder_and_says_so(
    golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    store = tmp_path / "store" / "golden"
    shutil.copytree(golden, store)
    read_only(monkeypatch, tmp_path / "store")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", str(store), "--metric", "precision@20"])
    assert result.exit_code == 0, result.output
    moved = tmp_path / "plots" / "golden"
    assert (
        f"note: cannot write to {store / 'plots'}: Read-only file system; choose another -o or fix its "
        f"permissions: the figures go to {moved} instead" in result.stderr.splitlines()
    )
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert paths and all(p.parent == moved and p.is_file() for p in paths)
    assert not (store / "plots").exists()


def test_plot_keeps_its_default_folder_where_the_store_is_writable(golden: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    store = tmp_path / "golden"
    shutil.copytree(golden, store)
    result = runner.invoke(app, ["plot", str(store), "--metric", "precision@20"])
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert {Path(line).parent for line in result.stdout.splitlines()} == {store / "plots"}


def test_plot_checks_its_folder_first_and_a_full_disk_leaves_no_partial_figure(
    golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    read_only(monkeypatch, tmp_path / "ro")
    refused = runner.invoke(app, ["plot", str(golden), "-o", str(tmp_path / "ro")])
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: cannot write to {tmp_path / 'ro'}: Read-only file system")
    full_disk(monkeypatch)
    result = runner.invoke(app, ["plot", str(golden), "-o", str(tmp_path / "figs")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: cannot write to {tmp_path / 'figs'}/") and line.endswith(
        ": No space left on device; free some space or choose another -o"
    )
    assert list((tmp_path / "figs").iterdir()) == []  # no figure, whole or cut, and no temporary file
