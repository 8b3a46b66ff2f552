"""Command options generated from the one settings schema (``talosbench/config.py``).

Each scalar field of ``RunConfig`` becomes one option with the field's type, default and help, so a
new training setting reaches ``talosbench train`` without an edit here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import fields
from enum import Enum
from typing import Any, get_type_hints

import typer

from talosbench.config import TRIAL_ONLY, RunConfig, nullable, schema

FLAGS = {"ks": "--k"}
"""Options named otherwise than their field (``--k 10 --k 20`` fills ``ks``)."""

DEFAULTED = ("DEFAULT", "DEFAULT_MAP")
"""Names of the parameter sources of a value the user did not give (click's ``ParameterSource``)."""
CONTEXT = "_settings_context"
"""The generated command's context parameter (typer fills a parameter annotated ``typer.Context``)."""


def flag(name: str) -> str:
    """The option of ``RunConfig`` field ``name``: ``--batch-size``, ``--k`` for ``ks``."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def _parameter(name: str, choices: Mapping[str, type[Enum]]) -> inspect.Parameter:
    """The typer option of one ``RunConfig`` field."""
    spec = schema(name)
    option_name = flag(name)
    kind: Any = choices.get(name, spec.type)
    default: Any = spec.default
    if name in choices:
        default = kind(default)
    if name == "ks":
        kind, default = list[int], list(default)
    if spec.type is bool:
        option_name = f"{option_name}/--no-{option_name[2:]}"
    if nullable(name):
        kind = kind | None
    option = typer.Option(default, option_name, help=spec.help)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)


def with_settings(choices: Mapping[str, type[Enum]] | None = None) -> Callable[[Callable[..., Any]], Any]:
    """Give a command one option per run setting; it receives them as ``settings`` (a dict).

    ``choices`` maps a field to an Enum listing its values (``--help`` and completion show them);
    the command gets the plain value back. A command with a ``given`` parameter also receives the
    names of the settings the user gave (on the command line or through the environment), so that
    it can tell a value the user chose from a default.
    """
    choices = dict(choices or {})
    names = [
        f.name for f in fields(RunConfig) if f.metadata["scope"] != "params" and f.name not in TRIAL_ONLY
    ]

    def decorate(body: Callable[..., Any]) -> Any:
        hints = get_type_hints(body)
        own = [
            p.replace(annotation=hints[p.name], kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(body).parameters.values()
            if p.name not in ("settings", "given")
        ]
        wants_given = "given" in inspect.signature(body).parameters
        if wants_given:
            own.append(inspect.Parameter(CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))
        parameters = [_parameter(name, choices) for name in names] + own

        @functools.wraps(body)
        def command(**values: Any) -> Any:
            settings = {name: values.pop(name) for name in names}
            settings = {k: v.value if isinstance(v, Enum) else v for k, v in settings.items()}
            settings["ks"] = tuple(settings["ks"])
            if wants_given:
                ctx = values.pop(CONTEXT)
                values["given"] = frozenset(n for n in names if _given(ctx, n))
            return body(settings=settings, **values)

        del command.__wrapped__  # typer must read the generated signature, not the body's
        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return decorate


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user gave setting ``name`` (command line or environment) rather than its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in DEFAULTED
