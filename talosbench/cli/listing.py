"""Listings that fit a terminal: tables wrapped to 100 columns, docstrings as plain text, JSON output."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import typer

WIDTH = 100
"""Columns a listing may use: a common terminal width, and what the README's code blocks show."""
GAP = 2
"""Spaces between two columns of tabulate's ``simple`` format."""
HEADER_PADDING = 2
"""tabulate makes a column at least its header's width plus this (``tabulate.MIN_PADDING``)."""
NARROWEST = 8
"""A wrapped column never gets fewer characters than this (a wider table is the lesser evil)."""


def width_of(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> int:
    """The width of ``rows`` as a tabulate table with nothing wrapped."""
    return sum(_natural(rows, headers)) + GAP * (len(headers) - 1)


def _natural(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> list[int]:
    """Each column's width, unwrapped: its widest line, and at least its header's with padding."""
    return [
        max([len(h) + HEADER_PADDING, *(len(line) for row in rows for line in str(row[i]).splitlines())])
        for i, h in enumerate(headers)
    ]


def fit(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], flexible: Sequence[int], width: int = WIDTH
) -> str:
    """``rows`` as a tabulate table no wider than ``width``, wrapping the columns ``flexible`` (by index).

    The other columns keep their natural width; the room left is shared among the flexible ones, the
    narrower of them first getting all they need, so only the widest columns wrap.
    """
    from tabulate import tabulate

    cells = [[str(c) for c in row] for row in rows]
    natural = _natural(cells, headers)
    room = width - GAP * (len(headers) - 1) - sum(w for i, w in enumerate(natural) if i not in flexible)
    left = sorted(flexible, key=lambda i: natural[i])
    while left:
        share = max(room // len(left), NARROWEST)
        i = left.pop(0)
        limit = min(natural[i], share)
        room -= limit
        for row in cells:  # wrapped here: tabulate's own wrapping misreads "29,452" as a number
            row[i] = "\n".join(_wrap(line, limit) for line in row[i].splitlines())
    return tabulate(cells, headers=list(headers), disable_numparse=True)


def _wrap(text: str, limit: int) -> str:
    """``text`` in lines of at most ``limit`` characters; only a word longer than that is split."""
    return textwrap.fill(text, limit, break_on_hyphens=False)  # "talos-no-quantile" stays whole


def docstring(obj: object) -> tuple[str, list[str]]:
    """The summary line and the paragraphs of ``obj``'s docstring as plain text (no reST markup)."""
    text = inspect.getdoc(obj) or ""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", _plain(text)) if p.strip()]
    return (paragraphs[0], paragraphs[1:]) if paragraphs else ("", [])


def _plain(text: str) -> str:
    """``text`` without reST inline literals' double backticks and emphasis stars."""
    return re.sub(r"\*([^*\s][^*]*)\*", r"\1", text.replace("``", ""))


def paragraph(text: str, indent: str = "", width: int = WIDTH) -> str:
    """``text`` wrapped to ``width`` columns, every line starting with ``indent`` (never inside a
    hyphenated name: a URL stays whole where it fits a line)."""
    return textwrap.fill(
        text, width=width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def echo_json(value: Any) -> None:
    """``value`` as indented JSON on stdout (non-ASCII kept: the equations use Greek letters)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=_jsonable))


def _jsonable(value: Any) -> Any:
    """What JSON cannot hold as is, in a form it can: records and mappings as objects, the rest as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)  # a Path, a type: their text is what a reader needs
