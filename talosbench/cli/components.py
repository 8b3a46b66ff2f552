"""``talosbench losses`` and ``talosbench backbones``: the components with their hyper-parameters.

Without a name each lists every component, one row per hyper-parameter, fitted to 100 columns; with a
name it shows that one in full (its paper, its definition, every parameter with its bounds, its traits).
``--json`` prints the same with every field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import typer

from talosbench.cli.listing import WIDTH, docstring, echo_json, fit, paragraph, width_of
from talosbench.cli.options import backbone_names, json_option, loss_names, name_argument
from talosbench.declared.base import Declaration
from talosbench.hparams import HParam


class Component(Protocol):
    """A loss or backbone class: its docstring and its record."""

    declared: ClassVar[Declaration]


HEADERS = ["parameter", "default", "paper search space", "help"]
HELP_WIDTH = 30
"""The listing shows each parameter's help only when at least this much room is left for it; otherwise
``NAME`` shows it (wrapped any narrower, most helps would take four lines and more)."""

TRAITS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("default_negatives", "sampled negatives", lambda v: f"{v} per positive unless the run says otherwise"),
    ("default_normalize", "scores", lambda v: "cosine (L2-normalised embeddings)" if v else "dot product"),
    (
        "thresholded",
        "per-user Top-K threshold",
        lambda v: "learned or estimated (the report adds the threshold error)" if v else "none",
    ),
    (
        "needs_positive_scores",
        "positive scores",
        lambda v: "needs the scores of every training positive of the batch's users" if v else "not needed",
    ),
    ("negative_gradient", "gradient to negatives", lambda v: "yes" if v else "no (the positive alone)"),
    ("in_paper", "in the paper", lambda v: "trained in the paper (the quick suite runs it)" if v else "no"),
)
"""The ``LossDeclaration`` traits a user chooses by (attribute, label, how its value reads)."""


def _space(param: HParam) -> str:
    return ", ".join(map(str, param.space))


def _bounds(param: HParam) -> str:
    """``>= 1e-06``, ``0.0 .. 1.0``, ``one of a, b`` or empty."""
    if param.choices:
        return "one of " + ", ".join(map(str, param.choices))
    if param.low is not None and param.high is not None:
        return f"{param.low:g} .. {param.high:g}"
    if param.low is not None:
        return f">= {param.low:g}"
    return f"<= {param.high:g}" if param.high is not None else ""


def _param_json(param: HParam) -> dict[str, Any]:
    return {
        "name": param.name,
        "type": param.type.__name__,
        "default": param.default,
        "help": param.help,
        "space": list(param.space),
        "low": param.low,
        "high": param.high,
        "choices": list(param.choices),
    }


def _component_json(name: str, cls: type[Component], traits: bool) -> dict[str, Any]:
    summary, details = docstring(cls)
    out: dict[str, Any] = {
        "name": name,
        "summary": summary,
        "details": details,
        "parameters": [_param_json(p) for p in cls.declared.hparams],
    }
    if traits:
        out["traits"] = {attribute: getattr(cls.declared, attribute) for attribute, _, _ in TRAITS}
    return out


def _listing(kind: str, components: dict[str, type[Component]]) -> str:
    """One row per hyper-parameter (a row of ``-`` for a component without any), help wrapped when
    there is room for it."""
    rows = []
    for name, cls in components.items():
        params = cls.declared.hparams
        if not params:
            rows.append([name, "-", "", "", ""])
        for i, p in enumerate(params):
            rows.append([name if i == 0 else "", p.name, repr(p.default), _space(p), p.help])
    headers = [kind, *HEADERS]
    if WIDTH - width_of([row[:-1] for row in rows], headers[:-1]) - 2 < HELP_WIDTH:
        return fit([row[:-1] for row in rows], headers[:-1], flexible=[3])
    return fit(rows, headers, flexible=[4])


def _detail(kind: str, name: str, cls: type[Component], traits: bool) -> str:
    """One component in full: summary, definition, parameters with bounds, traits."""
    summary, details = docstring(cls)
    lines = [paragraph(f"{kind} {name}: {summary}"), ""]
    lines += [paragraph(text, indent="  ") + "\n" for text in details]
    params = cls.declared.hparams
    if params:
        rows = [[p.name, p.type.__name__, repr(p.default), _space(p), _bounds(p), p.help] for p in params]
        headers = ["parameter", "type", "default", "paper search space", "bounds", "help"]
        lines += [fit(rows, headers, flexible=[3, 5]), ""]
    else:
        lines += ["no hyper-parameters", ""]
    if traits:
        rows = [[label, shown(getattr(cls.declared, attribute))] for attribute, label, shown in TRAITS]
        lines.append(fit(rows, ["trait", "value"], flexible=[1]))
    return "\n".join(lines).rstrip("\n")


def _show(
    kind: str, components: dict[str, type[Component]], name: str | None, json_out: bool, traits: bool
) -> None:
    """The listing, or (``name``) one component in full; JSON with ``json_out``."""
    if name is not None:
        components = {name: components[name]}
    if json_out:
        items = [_component_json(n, cls, traits) for n, cls in components.items()]
        echo_json(items[0] if name is not None else items)
    elif name is not None:
        typer.echo(_detail(kind, name, components[name], traits))
    else:
        typer.echo(_listing(kind, components))
        command = "losses" if kind == "loss" else f"{kind}s"
        # A hint, on stderr: stdout stays the table alone, for a pipe or a file.
        typer.echo(f"`talosbench {command} NAME` shows one in full; --json prints every field.", err=True)


def losses(
    name: str | None = name_argument("Show this loss in full: paper, definition, traits.", loss_names),
    json_out: bool = json_option("the losses"),
) -> None:
    """List every loss with its hyper-parameters, defaults and paper search spaces; or show one in full."""
    from talosbench.declared.losses import listing_order
    from talosbench.losses import LOSSES

    if name is not None:
        LOSSES.get(name)  # an unknown name is a usage error with the closest match
    _show("loss", {n: LOSSES.get(n) for n in listing_order()}, name, json_out, traits=True)


def backbones(
    name: str | None = name_argument("Show this backbone in full.", backbone_names),
    json_out: bool = json_option("the backbones"),
) -> None:
    """List every backbone with its hyper-parameters, defaults and paper search spaces; or show one."""
    from talosbench.backbones import BACKBONES
    from talosbench.declared.backbones import listing_order

    if name is not None:
        BACKBONES.get(name)
    _show("backbone", {n: BACKBONES.get(n) for n in listing_order()}, name, json_out, traits=False)
