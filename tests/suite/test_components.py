"""A suite is validated against what losses, backbones and metrics declare, without importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from talosbench.backbones import BACKBONES
from talosbench.declared.metrics import METRICS
from talosbench.losses import LOSSES
from talosbench.suite import components

ROOT = Path(__file__).resolve().parents[2]


def test_every_loss_is_read_from_the_record_its_class_points_at() -> None:
    assert components.loss_names() == LOSSES.names()
    for name in LOSSES:
        assert components.loss(name) is LOSSES.get(name).declared


def test_every_backbone_and_metric_is_read_from_its_declaration() -> None:
    assert components.backbone_names() == ["mf", "lightgcn", "xsimgcl"]  # the listing order
    assert sorted(components.backbone_names()) == sorted(BACKBONES)
    for name in BACKBONES:
        assert components.backbone(name) is BACKBONES.get(name).declared
    assert components.metric_names() == list(METRICS)


def test_validating_every_shipped_suite_imports_no_torch() -> None:
    # Issue 12: validating a suite imported torch and the trainer (suite/components.py).
    code = (
        "import sys, pathlib, talosbench.suite as s\n"
        "for f in sorted(pathlib.Path('suites').glob('*.toml')): s.load_suite(f)\n"
        "heavy = ('torch', 'talosbench.losses', 'talosbench.backbones', 'talosbench.train.trainer')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
