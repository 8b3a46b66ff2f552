"""The environment stored beside a run: versions, device and CPU names."""

from __future__ import annotations

import platform
from pathlib import Path

from talosbench.results.host import cpu_model, environment


def test_environment_names_versions() -> None:
    env = environment("cpu")
    assert env["talosbench"] and env["torch"] and env["python"].count(".") == 2
    assert env["device"] == "cpu" and env["device_name"]


def test_environment_names_the_cpu_model() -> None:
    env = environment("cpu")
    assert env["cpu"] == env["device_name"] == cpu_model()
    info = Path("/proc/cpuinfo")
    if info.is_file() and "model name" in info.read_text(errors="replace"):  # Linux on x86 and most ARM
        assert cpu_model() not in (platform.machine(), "")  # the model, not the architecture
