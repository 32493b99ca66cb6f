"""Instruction counts under ``valgrind --tool=callgrind``: repeatable where rates on a shared machine are not."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_COUNT = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from {module} import {work} as work
files, rounds = {files!r}, int(sys.argv[1])
data = [Path(f).read_bytes() for f in files]
for d in data:
    work(d)
for _ in range(rounds):
    for d in data:
        work(d)
"""


def instructions_per_round(module: str, work: str, files: list[Path], rounds: int) -> float:
    """Instructions of one round of ``module.work`` over every file (each file once), start-up and a warming round
    subtracted: a run of ``rounds`` rounds less a run of none, divided by ``rounds``."""

    def collected(count: int) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp, "count.py")
            source = _COUNT.format(root=str(ROOT), module=module, work=work, files=[str(f) for f in files])
            script.write_text(source, encoding="utf-8")
            result = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable, str(script), str(count)],
                capture_output=True,
                text=True,
                check=True,
            )
        return int(result.stderr.rsplit("Collected :", 1)[1].split()[0])

    return (collected(rounds) - collected(0)) / rounds
