"""The one error mapper: a TalosbenchError becomes ``error: <message>`` on stderr and its exit code."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from talosbench.cli import COMMANDS, app
from talosbench.cli.errors import reports_errors
from talosbench.errors import TalosbenchError
from talosbench.registry import UnknownNameError


class Usage(TalosbenchError):
    exit_code = 2


class Failed(TalosbenchError):
    exit_code = 1


def _invoke(exc: BaseException) -> tuple[int, str, BaseException | None]:
    """Run a one-command app whose body raises ``exc``: exit code, stderr, uncaught exception."""
    tiny = typer.Typer()

    @tiny.command()
    @reports_errors
    def boom(name: str = typer.Option("x", help="Passed through the mapper.")) -> None:
        raise exc

    result = CliRunner().invoke(tiny, ["--name", "y"])
    return result.exit_code, result.stderr, result.exception


@pytest.mark.parametrize(
    ("exc", "code", "stderr"),
    [
        (Usage("no such thing; use another"), 2, "error: no such thing; use another\n"),
        (Failed("the download failed"), 1, "error: the download failed\n"),
        (
            UnknownNameError("loss", "tals", ["talos"]),
            2,
            "error: unknown loss 'tals'. Did you mean 'talos'? Valid choices: talos.\n",
        ),  # not quoted
    ],
)
def test_an_error_becomes_its_message_and_exit_code(exc: TalosbenchError, code: int, stderr: str) -> None:
    exit_code, err, uncaught = _invoke(exc)
    assert (exit_code, err) == (code, stderr)
    assert uncaught is None or isinstance(uncaught, SystemExit)  # no traceback


def test_any_other_exception_is_a_bug_and_is_not_hidden() -> None:
    _, err, uncaught = _invoke(ZeroDivisionError("bug"))
    assert isinstance(uncaught, ZeroDivisionError) and "error:" not in err


def test_every_command_goes_through_the_mapper() -> None:
    mapped = reports_errors(lambda: None).__code__  # the wrapper's body, shared by every wrapped command
    callbacks = [info.callback for info in app.registered_commands]
    assert [c.__code__ for c in callbacks] == [mapped] * len(COMMANDS)  # type: ignore[union-attr]
    assert [c.__wrapped__ for c in callbacks] == list(COMMANDS)  # type: ignore[union-attr]
