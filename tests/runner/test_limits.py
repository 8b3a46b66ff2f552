"""A grid's settings against its datasets and devices, checked once before any run trains."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from talosbench.runner import run_suite
from talosbench.suite import load_suite
from talosbench.train.limits import LimitError

Edit = Callable[[str], str]


def _refused(tmp_path: Path, tiny_suite: Callable[..., Path], edit: Edit, **options: object) -> str:
    """The LimitError of the tiny suite edited by ``edit``, asserting that nothing was trained."""
    suite = load_suite(tiny_suite(1, edit))
    with pytest.raises(LimitError) as caught:
        run_suite(suite, tmp_path / "runs", data_dir=tmp_path / "data", **options)  # type: ignore[arg-type]
    assert not list((tmp_path / "runs").glob("tiny/*/result.json"))
    return str(caught.value)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda text: text.replace("negatives = 16", "negatives = 100000"),
            r"^\[train\] negatives = 100000 is more than synthetic's (\d+) items - 1 .* at most \d+$",
        ),
        (
            lambda text: text.replace("[losses.bpr]\nnegatives = 1", "[losses.sl]\nnegatives = [8, 5000]"),
            r"^\[losses\.sl\] negatives = 5000 is more than synthetic's (\d+) items - 1",
        ),
        (
            lambda text: f"{text}\n[eval]\nks = [20, 100000]\n",
            r"^\[eval\] ks asks for a cut-off of 100000, more than synthetic's (\d+) items",
        ),
    ],
    ids=["train-negatives", "tuned-loss-negatives", "eval-ks"],
)
def test_a_setting_past_the_datasets_items_stops_the_grid_naming_its_key(
    tmp_path: Path, tiny_suite: Callable[..., Path], edit: Edit, expected: str
) -> None:
    message = _refused(tmp_path, tiny_suite, edit)
    found = re.match(expected, message)
    assert found, message
    (meta,) = (tmp_path / "data" / "synthetic").glob("prep-*/meta.json")
    assert f'"items": {found.group(1)}' in meta.read_text()  # the prepared dataset's own count


def test_a_grid_whose_runs_would_not_fit_in_memory_stops_with_the_estimate(
    tmp_path: Path, tiny_suite: Callable[..., Path]
) -> None:
    message = _refused(
        tmp_path, tiny_suite, lambda text: text.replace("epochs = 1", "epochs = 1\ndim = 100000000")
    )
    assert re.match(
        r"^\[train\] dim = 100000000, batch_size \(default\) = 1024 and 1 negatives need about [\d.]+ GB "
        r"on cpu",
        message,
    )
    assert "lower dim, batch_size or negatives" in message


def test_a_complete_grid_is_not_checked_again(tmp_path: Path, tiny_suite: Callable[..., Path]) -> None:
    suite = load_suite(tiny_suite(1))
    first = run_suite(suite, tmp_path / "runs", data_dir=tmp_path / "data", threads=1)
    assert first.ran == 6
    for meta in (tmp_path / "data").rglob("meta.json"):
        meta.unlink()  # no prepared data left to check against: the check must not need it
    again = run_suite(suite, tmp_path / "runs", data_dir=tmp_path / "data")
    assert again.ran == 0 and again.reused == 6
