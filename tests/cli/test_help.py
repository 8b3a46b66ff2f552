"""Every command's ``-h`` at 80 and 100 columns: whole help text, whole choices, one metavar style."""

from __future__ import annotations

import inspect
import re
from enum import Enum

import pytest
import typer
from typer.core import TyperArgument, TyperOption
from typer.testing import CliRunner

from talosbench.cli import app
from talosbench.cli.help import wrap

GROUP = typer.main.get_command(app)
COMMANDS = [None, *GROUP.commands]  # None: the application's own -h
WIDTHS = (80, 100)
METAVAR = re.compile(r"[A-Z][A-Z_=]*|\[[a-z0-9@.|-]+\]")
"""An upper-case placeholder (``PATH``, ``KEY=VALUE``) or a whole list of choices (``[csv|json]``)."""
USAGE_PIECE = re.compile(r"\[?[A-Z_]+\]?(\.\.\.)?")


def _render(name: str | None, width: int) -> str:
    args = [name, "-h"] if name else ["-h"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    return " ".join(text.split())


def _params(name: str | None) -> list[TyperArgument | TyperOption]:
    command = GROUP if name is None else GROUP.commands[name]
    return [p for p in command.params if isinstance(p, TyperArgument | TyperOption)]


def _choices(param: TyperArgument | TyperOption) -> list[str]:
    described = param.type_descriptor
    if not described.is_choice:
        return []
    return [c.value if isinstance(c, Enum) else str(c) for c in described.choices or ()]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", COMMANDS)
def test_help_fits_and_keeps_every_word(name: str | None, width: int) -> None:
    text = _render(name, width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert not re.search(r"<(bool|str|int|float|path|list)", text), "a type placeholder like <bool>"
    assert not re.search(r"…|\w\.\.\.", text), "text cut with an ellipsis"
    command = GROUP if name is None else GROUP.commands[name]
    sources = inspect.cleandoc(command.help or "").split("\n\n") + [p.help or "" for p in _params(name)]
    for source in sources:  # the help strings whole: nothing cut, no [word] read as markup, no word split
        assert _flat(source) in _flat(text), source
    for param in _params(name):
        if choices := _choices(param):
            assert f"[{'|'.join(choices)}]" in text, f"{param.name}'s choices are not listed whole"


@pytest.mark.parametrize("name", COMMANDS)
def test_one_metavar_style(name: str | None) -> None:
    text = _render(name, 80)
    usage = text.splitlines()[0].split()[3 if name else 2 :]  # after "Usage: talosbench [NAME]"
    assert usage[0] == "[OPTIONS]"
    assert all(USAGE_PIECE.fullmatch(piece) for piece in usage[1:]), usage
    arguments = text.partition("Arguments:\n")[2].partition("\n\n")[0].splitlines()
    named = [line.split()[0] for line in arguments if line[2] != " "]
    assert named == (usage[1:] if name else [])  # arguments named as in the usage line
    command = GROUP if name is None else GROUP.commands[name]
    with command.make_context(name or "talosbench", [], resilient_parsing=True) as ctx:
        for param in _params(name):
            if isinstance(param, TyperArgument):
                continue
            first = param.get_help_record(ctx)[0]  # type: ignore[index]
            assert first in text
            for alternative in first.split(" / "):  # --flag / --no-flag
                placeholder = [t for t in alternative.split() if not t.startswith("-")]
                if param.is_flag:
                    assert placeholder == [], f"flag {first} shows a value placeholder"
                else:
                    assert len(placeholder) == 1 and METAVAR.fullmatch(placeholder[0]), first


def test_wrap_breaks_only_between_words() -> None:
    text = "Skip no-shared-negatives here [default: no-shared-negatives] and <dir>/<suite>/<run-id>/."
    for width in range(30, 60):  # 30: the bracketed note, kept on one line, fits
        lines = wrap(text, width)
        assert " ".join(lines) == text
        assert max(len(line) for line in lines) <= width


def test_errors_name_an_argument_as_the_usage_line_does() -> None:
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2 and "Missing argument 'SUITE_FILE'" in result.output
