"""Each loss in one colour and marker in every figure: Talos and its ablations warm, the baselines cool."""

from __future__ import annotations

from dataclasses import dataclass

from talosbench.declared.losses import listing_order

# Talos and its ablations in warm saturated colours, the baselines in muted cool ones, so the method
# under study is found at a glance; each loss keeps its colour in every figure (see ``loss_style``).
WARM = ("#d62728", "#ff7f0e", "#e7a800", "#c2185b", "#8c2d04")
COOL = (
    "#4c72b0",
    "#55a868",
    "#8172b3",
    "#64b5cd",
    "#2f6f6f",
    "#7f8c9d",
    "#a0b86a",
    "#6a5a8a",
    "#3d85c6",
    "#8aa5a0",
    "#5c6b8a",
    "#9a9ab0",
)
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "p", "h", "*")
FOCUS = "talos"
"""The loss the benchmark is about: it and its ``talos-*`` ablations take the warm colours."""


@dataclass(frozen=True)
class LossStyle:
    """How one loss is drawn in every figure."""

    color: str
    marker: str
    focus: bool
    """Talos or one of its ablations: drawn thicker and above the baselines."""


def loss_style(loss: str) -> LossStyle:
    """The fixed colour and marker of ``loss``, from its place in the loss registry's listing order.

    ``talos@50`` (a loss under another label) is drawn as ``talos``; a name outside the registry takes
    the colour after the registered ones of its kind, by the order of its name.
    """
    name = loss.split("@")[0]
    focus = name == FOCUS or name.startswith(f"{FOCUS}-")
    kin = [n for n in listing_order() if (n == FOCUS or n.startswith(f"{FOCUS}-")) == focus]
    index = kin.index(name) if name in kin else len(kin) + sum(map(ord, name))
    colors = WARM if focus else COOL
    return LossStyle(colors[index % len(colors)], MARKERS[index % len(MARKERS)], focus)
