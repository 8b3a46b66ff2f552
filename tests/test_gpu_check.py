"""scripts/gpu-check runs end to end without CUDA: CUDA parts skipped, every file written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gpu-check"


@pytest.mark.slow
def test_gpu_check_runs_end_to_end_in_cpu_mode(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "--cpu"],
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads((tmp_path / "gpu-check.json").read_text(encoding="utf-8"))
    steps = {step["name"]: step for step in record["steps"]}
    assert record["cuda"] is False
    gpu_tests = steps["pytest -m gpu"]["figures"]
    assert gpu_tests["tests"] > 0 and gpu_tests["skipped"] == gpu_tests["tests"]  # skipped, not failed
    assert steps["bench gowalla"]["status"] == "skipped"
    bench = steps["bench tiny"]["figures"]
    assert {(r["backbone"], r["loss"]) for r in bench} == {
        (b, loss) for b in ("mf", "lightgcn") for loss in ("bpr", "sl", "talos")
    }
    assert all(r["device"] == "cpu" and r["train_seconds_per_epoch"] > 0 for r in bench)
    quick = steps["quick suite"]["figures"]
    assert len(quick) == 2 and all(r["status"] == "completed" for r in quick)
    assert json.loads((tmp_path / "quick-report.json").read_text(encoding="utf-8"))
    summary = (tmp_path / "summary.txt").read_text(encoding="utf-8")
    assert summary in proc.stdout and "quick: loss" in summary
