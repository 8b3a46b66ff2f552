"""The results store's folders, and the proof that one can be written before any run trains."""

from __future__ import annotations

from pathlib import Path

import pytest

from talosbench.paths import UnsafePathError
from talosbench.results.errors import ResultsWriteError
from talosbench.results.layout import check_writable, run_dir, suite_dir


def test_run_dir_layout(tmp_path: Path) -> None:
    assert run_dir(tmp_path, "quick", "abc") == tmp_path / "quick" / "abc"
    assert suite_dir(tmp_path, "quick") == tmp_path / "quick"


def test_a_suite_name_or_run_id_cannot_leave_the_results_dir(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError):
        suite_dir(tmp_path, "..")
    with pytest.raises(UnsafePathError):
        run_dir(tmp_path, "quick", "../../elsewhere")


def test_check_writable_proves_a_file_fits_and_leaves_nothing(tmp_path: Path) -> None:
    check_writable(tmp_path / "runs" / "demo")
    assert (tmp_path / "runs" / "demo").is_dir() and list((tmp_path / "runs").rglob("*.*")) == []
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(
        ResultsWriteError,
        match=r"cannot write to .*file/demo: Not a directory; "
        r"choose another --results-dir or fix its permissions",
    ):
        check_writable(tmp_path / "file" / "demo")
