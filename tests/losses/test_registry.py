"""A loss is named once, by its class, and one new module file in talosbench/losses/ adds it everywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import talosbench
from talosbench.losses import LOSSES, listing_order, paper_table_order, register
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.talos import Talos

CONTRACT = Path(__file__).with_name("test_contract.py")
# All a contributor writes: one module. It ignores the negatives, so it must declare it, and the
# contract tests then expect no gradient on them (without the trait they would fail).
TOY_MODULE = '''"""A toy loss that a test drops into a copy of the package."""

import torch.nn.functional as F

from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register


@register
class ToyPositive(Loss):
    """Softplus of the negated positive score; it never looks at the negatives."""

    name = "toy-positive"
    negative_gradient = False

    def forward(self, batch: ScoreBatch) -> LossTerms:
        return LossTerms(main=F.softplus(-batch.pos).mean())
'''


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by the test vanish with it."""
    monkeypatch.setattr(LOSSES, "_items", dict(LOSSES._items))


class _Positive(Loss):
    """A registrable loss body for the tests below."""

    def forward(self, batch: ScoreBatch) -> LossTerms:
        return LossTerms(main=-batch.pos.mean())


def test_the_spec_and_paper_orders_come_from_the_classes() -> None:
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


def test_register_uses_the_name_the_class_sets(scratch_registry: None) -> None:
    cls = register(type("Named", (_Positive,), {"name": "test-named"}))
    assert LOSSES.get("test-named") is cls and listing_order()[-1] == "test-named"
    assert "test-named" not in paper_table_order()


@pytest.mark.parametrize("body", [{}, {"name": "Bad@name"}, {"name": "bad.name"}])
def test_a_class_without_a_plain_name_of_its_own_is_refused(scratch_registry: None, body: dict) -> None:
    with pytest.raises(TypeError, match="must set its own name"):
        register(type("Unnamed", (_Positive,), body))
    with pytest.raises(TypeError, match="must set its own name"):  # {}: it inherits 'talos', not its own
        register(type("Child", (Talos,), body))


def test_a_subclass_inheriting_a_listing_place_is_refused(scratch_registry: None) -> None:
    with pytest.raises(TypeError, match="listing_position = 11 is already that of 'talos'"):
        register(type("Variant", (Talos,), {"name": "talos-variant"}))
    register(type("Variant", (Talos,), {"name": "talos-variant", "listing_position": None}))
    assert LOSSES.get("talos-variant")(4, 10).k == Talos(4, 10).k


def test_a_name_registered_twice_is_refused(scratch_registry: None) -> None:
    with pytest.raises(ValueError, match="'sl' is registered twice"):
        register(type("Again", (_Positive,), {"name": "sl"}))


def test_one_new_module_file_is_picked_up_by_the_contract_tests_and_the_listing(tmp_path: Path) -> None:
    # The real mechanism on a copy of the package, so the source tree never holds the toy module.
    package = tmp_path / "talosbench"
    shutil.copytree(Path(talosbench.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "losses" / "toy.py").write_text(TOY_MODULE, encoding="utf-8")
    shutil.copy(CONTRACT, tmp_path / CONTRACT.name)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    pytest_command = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", CONTRACT.name]
    tests = _run(pytest_command, tmp_path, env)
    toy = [line.split()[:2] for line in tests.splitlines() if "[toy-positive]" in line]
    assert len(toy) >= 6 and all(outcome == "PASSED" for _, outcome in toy), tests
    listing = _run([sys.executable, "-m", "talosbench.cli", "losses"], tmp_path, env)
    assert listing.splitlines()[-1].startswith("toy-positive"), listing


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """stdout of ``command``, which must succeed."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
