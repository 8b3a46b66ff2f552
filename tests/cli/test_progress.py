"""Progress lines: a live grid line is ended before whatever is printed next."""

from __future__ import annotations

import pytest

from talosbench.cli.progress import GridProgress, duration


def test_a_live_line_is_ended_when_the_grid_stops(capsys: pytest.CaptureFixture[str]) -> None:
    progress = GridProgress(quiet=False, slots=1)
    progress.live = True  # as on a terminal
    with pytest.raises(RuntimeError), progress:
        progress.show("synthetic/iid/mf/bpr seed 1 | epoch 1/5")
        raise RuntimeError("the grid stopped")  # the error message then starts on its own line
    # (click drops the erase-line escape when stderr is not a terminal, as under capsys)
    assert capsys.readouterr().err == "\r[0/0] synthetic/iid/mf/bpr seed 1 | epoch 1/5\n"
    with progress:
        progress.say("a whole line")  # nothing left open: no blank line added
    assert capsys.readouterr().err == "\ra whole line\n"


def test_duration() -> None:
    assert [duration(s) for s in (42, 185, 7620)] == ["42s", "3m05s", "2h07m"]
