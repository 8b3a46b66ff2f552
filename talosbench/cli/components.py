"""``talosbench losses`` and ``talosbench backbones``: the components with their hyper-parameters."""

from __future__ import annotations

import typer


def _schema_rows(components: dict[str, type]) -> list[list[str]]:
    rows = []
    for name, cls in components.items():
        params = getattr(cls, "hparams", ())
        if not params:
            rows.append([name, "-", "", "", (cls.__doc__ or "").strip().splitlines()[0]])
        for i, p in enumerate(params):
            doc = (cls.__doc__ or "").strip().splitlines()[0] if i == 0 else ""
            space = ", ".join(map(str, p.space)) if p.space else ""
            rows.append([name if i == 0 else "", p.name, repr(p.default), space, p.help or doc])
    return rows


def losses() -> None:
    """List every loss with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.losses import LOSSES, listing_order

    rows = _schema_rows({name: LOSSES.get(name) for name in listing_order()})
    typer.echo(tabulate(rows, headers=["loss", "parameter", "default", "paper search space", "help"]))


def backbones() -> None:
    """List every backbone with its hyper-parameters, defaults and paper search spaces."""
    from tabulate import tabulate

    from talosbench.models import BACKBONES

    rows = _schema_rows({name: BACKBONES.get(name) for name in BACKBONES.names()})
    typer.echo(tabulate(rows, headers=["backbone", "parameter", "default", "paper search space", "help"]))
