"""A suite is validated against what losses, backbones and metrics declare, without importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from talosbench import declarations
from talosbench.backbones import BACKBONES, Backbone
from talosbench.losses import LOSSES, Loss
from talosbench.metrics import METRICS
from talosbench.suite import components

ROOT = Path(__file__).resolve().parents[2]


def test_every_loss_reads_as_its_class_declares_it() -> None:
    assert components.loss_names() == LOSSES.names()
    read = declarations.read("talosbench.losses.registry").LOSSES
    for name in LOSSES:
        assert components.loss_schema(name) == LOSSES.get(name).hparams
        for trait in Loss.__annotations__:  # name, hparams and every trait the base class declares
            assert getattr(read.get(name), trait) == getattr(LOSSES.get(name), trait), (name, trait)


def test_every_backbone_and_metric_reads_as_declared() -> None:
    assert components.backbone_names() == BACKBONES.names()
    for name in BACKBONES:
        assert components.backbone_schema(name) == BACKBONES.get(name).hparams
        assert set(Backbone.__annotations__) == {"name", "hparams"}
    assert components.metric_names() == list(METRICS)


def test_reading_leaves_the_real_modules_alone() -> None:
    declarations.read("talosbench.losses.softmax")
    assert issubclass(LOSSES.get("sl"), Loss) and "talosbench.losses.softmax" in sys.modules
    assert sys.modules["talosbench.losses.softmax"] is not declarations.read("talosbench.losses.softmax")


def test_validating_every_shipped_suite_imports_no_torch() -> None:
    # Issue 12: validating a suite imported torch and the trainer (suite/components.py).
    code = (
        "import sys, pathlib, talosbench.suite as s\n"
        "for f in sorted(pathlib.Path('suites').glob('*.toml')): s.load_suite(f)\n"
        "heavy = ('torch', 'talosbench.losses', 'talosbench.train.trainer')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``declared_fake`` in ``tmp_path``, for modules written by the test."""
    (tmp_path / "declared_fake").mkdir()
    (tmp_path / "declared_fake" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path / "declared_fake"


def test_a_declaration_computed_by_torch_is_refused_by_name(package: Path) -> None:
    (package / "computed.py").write_text(
        "import torch\nfrom talosbench.hparams import HParam\n\n"
        "class Gain(torch.nn.Module):\n    hparams = (HParam('g', float, torch.ones(1), 'a gain'),)\n"
    )
    gain = declarations.read("declared_fake.computed").Gain
    with pytest.raises(declarations.DeclarationError, match=r"hparams\[0\]\.default is computed from torch"):
        declarations.plain(gain.hparams, "hparams")


def test_a_module_that_cannot_be_read_is_named(package: Path) -> None:
    (package / "broken.py").write_text("import numpy as np\nSIZE = len(np.arange(3))\n")
    with pytest.raises(declarations.DeclarationError, match=r"declared_fake\.broken .*broken\.py"):
        declarations.read("declared_fake.broken")
