"""How ``--help`` reads: plain text that wraps between words at any width, one metavar style.

Typer's rich panels give every flag a type column (``--force <bool>``), cut long words with an ellipsis
in narrow columns, break choices mid-word and read ``[eval]`` in a help string as a markup tag. The
commands here use click's plain layout instead, with three changes: a value's placeholder is an
upper-case word (``PATH``, ``INTEGER``, ``TEXT``) or the list of its choices (``[csv|json]``), a
flag has none; the usage line names arguments as the help lists them (``SUITE_FILE``,
``[NAMES]...``); and text wraps only between words, so a flag or a value (``no-shared-negatives``,
``<run-id>``) is never split at its hyphen and nothing is cut.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Sequence
from enum import Enum
from typing import Any

# Typer vendors click (``typer._click``) and its commands and parameters derive from that copy, so the
# formatter and context must too.
from typer._click.core import Context, Parameter
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

KEPT_TOGETHER = re.compile(r"\[[^\[\]]{1,40}\]")
"""A short bracketed note (``[default: runs]``, ``[env var: TALOSBENCH_HOME]``) is wrapped as one word."""
GLUE = "\x00"

TYPE_METAVARS = {str: "TEXT", int: "INTEGER", float: "FLOAT"}
"""The placeholder of an option's value by its Python type; a path is ``PATH``, choices are listed."""


def metavar(param: TyperOption) -> str:
    """The placeholder an option's value is shown with: its choices, or its type as one upper-case word."""
    described = param.type_descriptor
    if described.is_choice:
        values = [c.value if isinstance(c, Enum) else str(c) for c in described.choices or ()]
        return f"[{'|'.join(values)}]"
    if described.is_path:
        return "PATH"
    annotation = described.annotation
    element = annotation.__args__[0] if described.is_list else annotation
    return TYPE_METAVARS.get(element, "TEXT")


def argument_label(param: TyperArgument) -> str:
    """An argument as the usage line and the argument list show it: ``NAME``, ``[NAME]``, ``[NAMES]...``."""
    name = param.metavar or (param.name or "").upper()  # settle_metavars sets it
    label = name if param.required else f"[{name}]"
    return label + ("..." if param.nargs != 1 else "")


def settle_metavars(params: Sequence[Parameter]) -> None:
    """Give every option that takes a value its placeholder (a flag takes none), and every argument its
    upper-case name (as errors name it too: "Missing argument 'SUITE_FILE'"); kept where declared."""
    for param in params:
        if param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = (param.name or "").upper()
        elif isinstance(param, TyperOption) and not (param.is_flag or param.count):
            param.metavar = metavar(param)


def first_paragraph(help: str | None) -> str | None:
    """A command's first paragraph on one line, its short help in full (click would cut it to fit)."""
    if not help:
        return None
    return " ".join(inspect.cleandoc(help).partition("\f")[0].split("\n\n")[0].split())


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` wrapped between words to ``width`` columns, paragraph by paragraph; a paragraph that
    begins with ``\\b`` keeps its lines, as in click."""
    lines: list[str] = []
    for number, paragraph in enumerate(inspect.cleandoc(text).split("\n\n")):
        if number:
            lines.append("")
        if paragraph.startswith("\b"):
            lines.extend(indent + line for line in paragraph.splitlines()[1:])
            continue
        glued = KEPT_TOGETHER.sub(lambda m: m[0].replace(" ", GLUE), " ".join(paragraph.split()))
        lines.extend(
            line.replace(GLUE, " ")
            for line in textwrap.wrap(
                glued,
                width=max(width, 10),
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


class WordWrapFormatter(HelpFormatter):
    """Click's help layout, wrapping only between words (click breaks at hyphens and inside long words)."""

    def write_text(self, text: str) -> None:
        self.write("\n".join(wrap(text, self.width, " " * self.current_indent)) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_width = min(max((len(first) for first, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_width - col_spacing:
                self.write(" " * (first_width - len(first)))
            else:  # a long first column gets its own line, the text starts below it
                self.write("\n" + " " * (first_width + self.current_indent))
            lines = wrap(second, self.width - first_width - 2) or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((f"{indent}{'':{first_width}}{line}" if line else "") + "\n")


class HelpContext(Context):
    """A context whose help is laid out by ``WordWrapFormatter``."""

    formatter_class = WordWrapFormatter


class HelpCommand(TyperCommand):
    """A command whose help reads at any width (see the module's docstring)."""

    context_class = HelpContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settle_metavars(self.params)
        self.short_help = self.short_help or first_paragraph(self.help)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        return [self.options_metavar or ""] + [
            argument_label(p) for p in self.get_params(ctx) if isinstance(p, TyperArgument)
        ]

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):  # typer would add a type: ``RUN <str>``
                arguments.append((argument_label(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class HelpGroup(TyperGroup):
    """The application's group: its commands listed with their whole first paragraph."""

    context_class = HelpContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settle_metavars(self.params)
