"""The machine a benchmark ran on, printed with its figures: machines are noisy, figures need a name."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import psutil  # type: ignore[import-untyped,unused-ignore]


def describe() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.node()} | {model} | {os.cpu_count()} cores | "
            f"{psutil.virtual_memory().total / 2**30:.1f} GiB | load average {load}")
