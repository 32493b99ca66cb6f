"""Write one benchmark's section of docs/performance.md, leaving the other benchmarks' sections alone."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

HEADER = """# Performance

Measured by the benchmarks under `bench/` (`make bench`); each section is rewritten by its benchmark with the
machine and the date of the run. No test asserts timings: the numbers here are the record.
"""


def machine() -> str:
    """CPU model, cores, memory and Python version of this machine."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1048576:.0f} GiB RAM"
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def write_section(path: Path, name: str, body: str) -> None:
    """Replace (or append) the section ``name`` of the performance document."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"<!-- bench:{name} -->\n{body.rstrip()}\n\n_Machine: {machine()}. Date: {stamp}._\n<!-- /bench:{name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
