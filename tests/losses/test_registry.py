"""A loss class is registered under the name of its record, which must be its own and declared."""

from __future__ import annotations

from dataclasses import replace

import pytest

from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses import DECLARED_LOSSES, listing_order, paper_table_order
from talosbench.declared.losses.softmax import SL
from talosbench.declared.losses.talos import TALOS
from talosbench.losses import LOSSES, register
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.talos import Talos


@pytest.fixture
def scratch_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declarations and registrations made by the test vanish with it."""
    monkeypatch.setattr(LOSSES, "_items", dict(LOSSES._items))
    monkeypatch.setattr(DECLARED_LOSSES, "_items", dict(DECLARED_LOSSES._items))


class _Positive(Loss):
    """A registrable loss body for the tests below."""

    def forward(self, batch: ScoreBatch) -> LossTerms:
        return LossTerms(main=-batch.pos.mean())


def test_the_spec_and_paper_orders_come_from_the_declarations() -> None:
    spec = [
        "bpr",
        "sl",
        "bsl",
        "psl",
        "advinfonce",
        "llpauc",
        "slatk",
        "aatp",
        "smoothi",
        "rsk",
        "talos",
        "talos-no-quantile",
        "talos-inside-temp",
        "talos-no-denominator",
        "neuralndcg",
    ]
    assert listing_order()[: len(spec)] == spec and sorted(listing_order()) == sorted(LOSSES)
    assert paper_table_order() == (
        "bpr",
        "aatp",
        "rsk",
        "smoothi",
        "sl",
        "bsl",
        "psl",
        "advinfonce",
        "llpauc",
        "slatk",
    )


def test_every_declared_loss_is_implemented_and_every_implemented_one_declared() -> None:
    assert LOSSES.names() == DECLARED_LOSSES.names()
    assert all(LOSSES.get(name).declared is DECLARED_LOSSES.get(name) for name in LOSSES)


def test_register_uses_the_name_of_the_class_record(scratch_registries: None) -> None:
    record = declare(LossDeclaration(name="test-named"))
    cls = register(type("Named", (_Positive,), {"declared": record}))
    assert LOSSES.get("test-named") is cls and listing_order()[-1] == "test-named"
    assert "test-named" not in paper_table_order()


def test_a_class_without_a_record_of_its_own_is_refused(scratch_registries: None) -> None:
    with pytest.raises(TypeError, match="must set its own declared"):
        register(type("Unnamed", (_Positive,), {}))
    with pytest.raises(TypeError, match="must set its own declared"):  # it inherits Talos' record
        register(type("Child", (Talos,), {}))


def test_a_record_that_is_not_declared_is_refused(scratch_registries: None) -> None:
    with pytest.raises(TypeError, match="its record 'undeclared' is not declared"):
        register(type("Undeclared", (_Positive,), {"declared": LossDeclaration(name="undeclared")}))


def test_a_variant_of_a_loss_is_a_new_record_and_a_subclass(scratch_registries: None) -> None:
    record = declare(replace(TALOS, name="talos-variant", listing_position=None))
    register(type("Variant", (Talos,), {"declared": record}))
    values = record.resolve({})
    assert LOSSES.get("talos-variant")(4, 10, **values).k == Talos(4, 10, **values).k


def test_a_name_registered_twice_is_refused(scratch_registries: None) -> None:
    with pytest.raises(ValueError, match="'sl' is registered twice"):
        register(type("Again", (_Positive,), {"declared": SL}))
