"""The declaration records of losses and backbones, the registries they join, and the class decorator.

A loss or backbone is declared once, as a ``LossDeclaration`` or ``BackboneDeclaration`` in a module of
``talosbench.declared.losses`` or ``talosbench.declared.backbones`` (``declare`` adds it to its kind's
registry), and implemented by a torch class in the module of the same name under ``talosbench.losses``
or ``talosbench.backbones``, which names its record (``declared = softmax.SL``) and is registered by
``implementation(...)``. The records hold plain values only, so the suite, report and plots layers import
them for real without importing torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from talosbench.hparams import HParam, HParamError, resolve
from talosbench.registry import Registry

# Suite files write ``loss@label`` and ``loss.param``: a name holds neither ``@`` nor ``.``.
NAME = re.compile(r"[a-z][a-z0-9-]*")
POSITIONS = ("listing_position", "paper_table_position")
"""Traits that give a component a place in an order: no two components of a kind may share one."""


@dataclass(frozen=True, kw_only=True)
class Declaration:
    """What every loss and backbone declares."""

    kind: ClassVar[str]
    """``loss`` or ``backbone``: the registry it joins and the word its messages use."""

    name: str
    """The one name: CLI, suite files, results and ``name.param`` paths (a lower-case letter, then
    lower-case letters, digits and '-')."""
    hparams: tuple[HParam, ...] = ()
    """Its hyper-parameters: type, default, bounds and the paper's search space of each."""
    listing_position: int | None = None
    """Place in its listing (``talosbench losses``, ``talosbench backbones``, report rows); None: after
    those, as declared."""
    rule: Callable[[Mapping[str, Any]], str | None] | None = None
    """A condition between hyper-parameters that single bounds cannot state: given the resolved values,
    what is wrong with them, or None."""

    def hparam(self, key: str) -> HParam | None:
        """The hyper-parameter called ``key``, or None when it declares none of that name."""
        return next((p for p in self.hparams if p.name == key), None)

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The declared defaults overlaid with ``values``, each checked: what its constructor receives.

        An unknown name or a bad value raises HParamError naming ``<kind> <name>: ``.
        """
        where = f"{self.kind} {self.name}: "
        resolved = resolve(self.hparams, values, where)
        problem = self.rule(resolved) if self.rule is not None else None
        if problem is not None:
            raise HParamError(f"{where}{problem}", problem)
        return resolved


@dataclass(frozen=True)
class SameAs:
    """A hyper-parameter value read from another hyper-parameter of the same loss (BSL's τ₂ = τ₁)."""

    name: str
    """The hyper-parameter whose value it takes."""


@dataclass(frozen=True)
class Reduction:
    """Where a loss becomes the loss it extends: the values of its own hyper-parameters that make it so."""

    parent: str
    """The loss it then equals (``sl``)."""
    at: tuple[tuple[str, Any], ...]
    """``(hyper-parameter, value)`` pairs; a ``SameAs`` value is read from the point's other values."""

    def values(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """``at`` at ``point`` (hyper-parameter name -> value); a ``SameAs`` whose source ``point`` lacks
        is left out."""
        out = {}
        for name, value in self.at:
            if not isinstance(value, SameAs):
                out[name] = value
            elif value.name in point:
                out[name] = point[value.name]
        return out


@dataclass(frozen=True, kw_only=True)
class LossDeclaration(Declaration):
    """A loss: name, hyper-parameters, and the traits the trainer, listings, report and tests read.

    The defaults suit a new loss that is not one of the paper's.
    """

    kind: ClassVar[str] = "loss"

    default_negatives: int = 1024
    """Sampled negatives per positive when the run or suite does not say."""
    default_normalize: bool = True
    """Whether scores are cosine similarities (L2-normalised embeddings) when the run does not say."""
    needs_positive_scores: bool = False
    """Whether the batch must carry the scores of every training positive (``ScoreBatch.all_pos``)."""
    thresholded: bool = False
    """Whether ``thresholds()`` gives per-user Top-K thresholds and ``k`` (the threshold metrics)."""
    negative_gradient: bool = True
    """Whether ``main`` sends gradient to the negative scores (False: it uses the positive alone)."""
    beats_popularity: bool = True
    """Whether the learning test expects it to beat the most-popular ranking on the synthetic data;
    False: it need only clearly learn (three times the recall of a random ranking)."""
    in_paper: bool = False
    """Whether the paper trains it (its baselines, Talos and the ablations): the quick suite runs each."""
    paper_table_position: int | None = None
    """Place among the paper's baselines in report tables and plots; None: after them, by name."""
    reduces_to: Reduction | None = None
    """Where it equals a simpler loss (BSL at τ₂ = τ₁ is SL): tuning's second stage always tries that
    point; None when no value of its own hyper-parameters makes it another loss."""

    def negatives(self, configured: int | None) -> int:
        """Sampled negatives per positive of a run that sets ``configured`` (None: this loss's default)."""
        return self.default_negatives if configured is None else configured

    def normalize(self, configured: bool | None) -> bool:
        """Whether a run that sets ``configured`` scores by cosine (None: this loss's default)."""
        return self.default_normalize if configured is None else configured


@dataclass(frozen=True, kw_only=True)
class BackboneDeclaration(Declaration):
    """A backbone: name, hyper-parameters and its place in the listing."""

    kind: ClassVar[str] = "backbone"


DECLARED_LOSSES: Registry[LossDeclaration] = Registry("loss")
"""Every declared loss; filled by importing ``talosbench.declared.losses`` (read it from there)."""
DECLARED_BACKBONES: Registry[BackboneDeclaration] = Registry("backbone")
"""Every declared backbone; filled by importing ``talosbench.declared.backbones`` (read it from there)."""
_REGISTRIES: dict[str, Registry[Any]] = {"loss": DECLARED_LOSSES, "backbone": DECLARED_BACKBONES}
_PACKAGES = {"loss": "talosbench.declared.losses", "backbone": "talosbench.declared.backbones"}
"""Where the records of each kind are declared, for the messages."""

D = TypeVar("D", bound=Declaration)
C = TypeVar("C", bound=type)


def declare(declaration: D) -> D:
    """``declaration``, added to the registry of its kind.

    TypeError when its name is not plain or it takes a place (``POSITIONS``) another one of its kind has;
    ValueError when its name is declared twice.
    """
    registry = _REGISTRIES[declaration.kind]
    if not NAME.fullmatch(declaration.name):
        raise TypeError(
            f"{declaration.kind} name must be a lower-case letter, then lower-case letters, digits and '-', "
            f"got {declaration.name!r}"
        )
    for trait in POSITIONS:
        place = getattr(declaration, trait, None)
        holder = next((n for n in registry if getattr(registry.get(n), trait, None) == place), None)
        if place is not None and holder is not None:
            raise TypeError(
                f"{declaration.kind} '{declaration.name}': {trait} = {place} is already that of "
                f"'{holder}'; give it None or a free place"
            )
    registry.add(declaration.name, declaration)
    return declaration


def implementation(implementations: Registry[C]) -> Callable[[C], C]:
    """A class decorator that adds a class to ``implementations`` under the name of its ``declared`` record.

    The record must be the class's own (a subclass is a new component, with a record of its own) and
    declared (``declare``) in the registry of the same kind; otherwise TypeError.
    """
    declarations = _REGISTRIES[implementations.kind]

    def register(cls: C) -> C:
        record = vars(cls).get("declared")  # its own, never a parent's
        package = _PACKAGES[implementations.kind]
        if not isinstance(record, Declaration) or record.kind != implementations.kind:
            raise TypeError(
                f"{implementations.kind} class {cls.__qualname__} must set its own declared = <its record, "
                f"declared in a module of {package}>, got {record!r}"
            )
        if record.name not in declarations or declarations.get(record.name) is not record:
            raise TypeError(
                f"{implementations.kind} class {cls.__qualname__}: its record '{record.name}' is not "
                f"declared; a module of {package} must declare() it"
            )
        implementations.add(record.name, cls)
        return cls

    return register


def by_position(registry: Registry[D], trait: str, only_placed: bool = False) -> list[str]:
    """The names of ``registry`` by their ``trait`` place, those without one after them as declared.

    ``only_placed`` keeps the placed ones alone. The sort is stable: equal places keep their order.
    """
    names = [n for n in registry if not only_placed or getattr(registry.get(n), trait) is not None]

    def key(name: str) -> tuple[bool, int]:
        place = getattr(registry.get(name), trait)
        return (place is None, place or 0)

    return sorted(names, key=key)
