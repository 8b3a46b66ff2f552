"""Every loss with every backbone trains on the GPU: finite losses, finite moved weights, finite metrics."""

from __future__ import annotations

import math

import pytest
import torch

from talosbench.backbones import BACKBONES
from talosbench.config import RunConfig
from talosbench.data.split import Split
from talosbench.losses import LOSSES
from talosbench.train.parts import build
from talosbench.train.trainer import run_evaluation, train_epoch

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("backbone", BACKBONES.names())
@pytest.mark.parametrize("loss", LOSSES.names())
def test_every_loss_and_backbone_trains_on_the_device(
    tiny: Split, device: torch.device, loss: str, backbone: str
) -> None:
    # 64 negatives keep NeuralNDCG's B x N x N tensors small; batches of 256: ~12 steps per epoch.
    config = RunConfig(
        dataset="synthetic",
        loss=loss,
        backbone=backbone,
        negatives=64,
        batch_size=256,
        seed=3,
        device=str(device),
    )
    parts = build(tiny, config, device)
    assert {p.device for p in parts.backbone.parameters()} == {device}
    before = [p.detach().clone() for p in parts.backbone.parameters()]
    shuffle = torch.Generator(device=device)
    shuffle.manual_seed(0)
    for epoch in range(2):
        if parts.adversary is not None and parts.loss.adversarial_epoch_due(epoch, epoch):
            assert math.isfinite(train_epoch(parts, config, shuffle, adversarial=True))
        assert math.isfinite(train_epoch(parts, config, shuffle, adversarial=False))
    after = list(parts.backbone.parameters())
    assert all(bool(torch.isfinite(p).all()) for p in [*after, *parts.loss.parameters()])
    assert any(not torch.equal(b, a.detach()) for b, a in zip(before, after, strict=True))
    result = run_evaluation(parts, config, "valid")
    assert result.means and all(math.isfinite(v) for v in result.means.values())
