"""Declaration records: how they resolve values, what ``declare`` refuses, and that a new loss or backbone
is two new module files (its record and its class) with no edit of an existing file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import talosbench
from talosbench.declared.backbones import DECLARED_BACKBONES
from talosbench.declared.base import LossDeclaration, declare
from talosbench.declared.losses import DECLARED_LOSSES
from talosbench.declared.losses.softmax import SL
from talosbench.declared.losses.talos import TALOS
from talosbench.hparams import HParamError

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def scratch_declarations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declarations made by the test vanish with it."""
    monkeypatch.setattr(DECLARED_LOSSES, "_items", dict(DECLARED_LOSSES._items))


def test_resolve_overlays_the_defaults_with_checked_values() -> None:
    assert TALOS.resolve({"tau": 1}) == {"tau": 1.0, "k": 20, "lr2": 1e-3}
    assert isinstance(TALOS.resolve({"tau": 1})["tau"], float)
    with pytest.raises(HParamError, match=r"^loss talos: tau must be >= 1e-06, got 0.0$"):
        TALOS.resolve({"tau": 0})
    with pytest.raises(HParamError, match=r"unknown hyper-parameter loss sl: k; valid: tau"):
        SL.resolve({"k": 5})


def test_a_rule_between_hyper_parameters_is_checked_with_the_resolved_values() -> None:
    xsimgcl = DECLARED_BACKBONES.get("xsimgcl")
    assert xsimgcl.resolve({"layers": 2, "cl_layer": 1})["cl_layer"] == 1
    with pytest.raises(
        HParamError, match=r"backbone xsimgcl: cl_layer must be below layers \(2\), got 2"
    ) as info:
        xsimgcl.resolve({"layers": 2, "cl_layer": 2})
    assert info.value.problem == "cl_layer must be below layers (2), got 2"


def test_none_means_the_loss_default_for_negatives_and_normalisation() -> None:
    bpr = DECLARED_LOSSES.get("bpr")
    assert (bpr.negatives(None), bpr.negatives(8), SL.negatives(None)) == (1, 8, 1024)
    assert (bpr.normalize(None), bpr.normalize(True), SL.normalize(None)) == (False, True, True)


@pytest.mark.parametrize("name", ["Bad", "bad.name", "bad@name", "-bad"])
def test_a_name_that_is_not_plain_is_refused(scratch_declarations: None, name: str) -> None:
    with pytest.raises(TypeError, match="loss name must be a lower-case letter"):
        declare(LossDeclaration(name=name))


def test_a_place_another_loss_has_is_refused(scratch_declarations: None) -> None:
    with pytest.raises(TypeError, match="listing_position = 11 is already that of 'talos'"):
        declare(replace(TALOS, name="talos-variant"))
    with pytest.raises(TypeError, match="paper_table_position = 5 is already that of 'sl'"):
        declare(replace(SL, name="sl-variant", listing_position=None))
    declare(replace(TALOS, name="talos-variant", listing_position=None))
    with pytest.raises(ValueError, match="'talos-variant' is registered twice"):
        declare(replace(TALOS, name="talos-variant", listing_position=None))


def test_records_import_no_torch() -> None:
    code = (
        "import sys, talosbench.declared.losses, talosbench.declared.backbones, talosbench.config\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# What a contributor writes for a new loss and a new backbone: four new files, no edit of an existing
# one. The loss ignores the negatives, so it declares so, and the contract tests then expect no
# gradient on them (without the trait they would fail).
NEW_FILES = {
    "declared/losses/toy.py": '''"""A toy loss (talosbench.losses.toy)."""

from talosbench.declared.base import LossDeclaration, declare
from talosbench.hparams import HParam

TOY_POSITIVE = declare(
    LossDeclaration(
        name="toy-positive",
        negative_gradient=False,
        hparams=(HParam("margin", float, 0.0, "shift of the positive score; no grid", low=0.0),),
    )
)
''',
    "losses/toy.py": '''"""A toy loss that a test drops into a copy of the package."""

import torch
import torch.nn.functional as F

from talosbench.declared.losses import toy as declarations
from talosbench.losses.base import Loss, LossTerms, ScoreBatch
from talosbench.losses.registry import register


@register
class ToyPositive(Loss):
    """Softplus of the negated, shifted positive score; it never looks at the negatives."""

    declared = declarations.TOY_POSITIVE

    def __init__(self, n_users: int, n_items: int, generator: torch.Generator | None, *, margin: float):
        super().__init__(n_users, n_items, generator)
        self.margin = margin

    def forward(self, batch: ScoreBatch) -> LossTerms:
        return LossTerms(main=F.softplus(self.margin - batch.pos).mean())
''',
    "declared/backbones/toy.py": '''"""A toy backbone (talosbench.backbones.toy)."""

from talosbench.declared.base import BackboneDeclaration, declare
from talosbench.hparams import HParam

TOY_TABLE = declare(
    BackboneDeclaration(
        name="toy-table", hparams=(HParam("scale", float, 0.5, "std of the initial table", low=0.0),)
    )
)
''',
    "backbones/toy.py": '''"""A toy backbone that a test drops into a copy of the package."""

import torch
from torch import nn

from talosbench.backbones.base import Backbone, BackboneInputs
from talosbench.backbones.registry import register
from talosbench.declared.backbones import toy as declarations


@register
class ToyTable(Backbone):
    """One table of users and items, N(0, scale²) initialised: matrix factorisation by another name."""

    declared = declarations.TOY_TABLE

    def __init__(self, inputs: BackboneInputs, *, scale: float) -> None:
        super().__init__(inputs)
        rows = torch.randn(self.n_users + self.n_items, self.dim, generator=self.generator)
        self.table = nn.Parameter(rows * scale)

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.table[: self.n_users], self.table[self.n_users :]
''',
}
SUITE = """[suite]
name = "toys"
[grid]
datasets = ["synthetic"]
backbones = ["toy-table"]
losses = ["toy-positive"]
[losses.toy-positive]
margin = [0.0, 0.5]
[backbones.toy-table]
scale = 0.1
"""
VALIDATE = """import sys
from talosbench.suite import cells, load_suite, point_config, points
suite = load_suite("toys.toml")
cell = cells(suite)[0]
runs = [point_config(suite, cell, point, 1) for point in points(suite, cell)]
print([(r.loss, r.loss_values, r.backbone, r.backbone_values) for r in runs])
print("torch" in sys.modules)
"""


def test_a_new_loss_and_backbone_are_new_files_only(tmp_path: Path) -> None:
    # The real mechanism on a copy of the package, so the source tree never holds the toy modules.
    package = tmp_path / "talosbench"
    shutil.copytree(Path(talosbench.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in NEW_FILES.items():
        (package / name).write_text(text, encoding="utf-8")
    for contract in ("losses/test_contract.py", "backbones/test_backbones.py"):
        shutil.copy(TESTS / contract, tmp_path / Path(contract).name)
    (tmp_path / "toys.toml").write_text(SUITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}

    pytest_command = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_contract.py"]
    tests = _run([*pytest_command, "test_backbones.py"], tmp_path, env)
    for name in ("toy-positive", "toy-table"):
        runs = [line.split()[:2] for line in tests.splitlines() if f"[{name}]" in line]
        assert len(runs) >= 2 and all(outcome == "PASSED" for _, outcome in runs), tests

    losses = _run([sys.executable, "-m", "talosbench.cli", "losses"], tmp_path, env)
    assert losses.splitlines()[-1].startswith("toy-positive"), losses
    backbones = _run([sys.executable, "-m", "talosbench.cli", "backbones"], tmp_path, env)
    assert any(line.startswith("toy-table") for line in backbones.splitlines()), backbones

    validated = _run([sys.executable, "-c", VALIDATE], tmp_path, env).splitlines()
    assert validated == [
        "[('toy-positive', {'margin': 0.0}, 'toy-table', {'scale': 0.1}), "
        "('toy-positive', {'margin': 0.5}, 'toy-table', {'scale': 0.1})]",
        "False",
    ]


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """stdout of ``command``, which must succeed."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
