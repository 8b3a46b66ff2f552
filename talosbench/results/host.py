"""What ran a run: versions, platform, device and CPU names, git commit, stored beside its result."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

from talosbench import __version__


def environment(device: str) -> dict[str, Any]:
    """Versions, platform, device name and git commit, to store beside a run's result."""
    import torch

    name = cpu_model()
    if device.startswith("cuda") and torch.cuda.is_available():
        index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
        name = torch.cuda.get_device_name(index)
    return {
        "talosbench": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": device,
        "device_name": name,
        "cpu": cpu_model(),  # the host's, also on a GPU run: data loading and sampling run there
        "git_commit": _git_commit(),
    }


def cpu_model() -> str:
    """This machine's CPU model name (Linux ``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: platform's answer below
    return platform.processor() or platform.machine() or "cpu"


def _git_commit() -> str | None:
    """The commit of the checkout the package runs from; None when it is not one (an installed wheel)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None
