"""The ``plot`` command writes valid, non-blank PNGs for every figure kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from talosbench.cli import app

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_plot_writes_pngs(golden: Path, tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    result = CliRunner().invoke(app, ["plot", str(golden), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    names = {p.name for p in paths}
    assert names == {
        "valid_precisionat20_ml_iid_mf.png", "valid_precisionat20_ml_temporal_mf.png",
        "valid-seeds_precisionat20_ml_iid_mf.png", "valid-seeds_precisionat20_ml_temporal_mf.png",
        "train-loss_ml_iid_mf.png", "train-loss_ml_temporal_mf.png",
        "accuracy_precisionat20.png", "accuracy_recallat20.png",
        "thresholds_ml_iid_mf.png", "thresholds_ml_temporal_mf.png",
    }  # fmt: skip
    for path in paths:
        assert path.parent == tmp_path and path.read_bytes()[:8] == PNG_MAGIC
        pixels = image.imread(path)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 300
        assert pixels[..., :3].std() > 0.05, f"{path.name} looks blank"


def test_plot_without_runs_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2 and "no complete final runs" in result.output
