"""The version of the checks: a digest of the code that turns a document into findings (rules/ and documents/).

The monitor stores the version its findings were made with and re-checks every stored report when it changes
(after an upgrade), so that stored findings always come from the rules that run now.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGES = ("rules", "documents")


@cache
def rules_version() -> str:
    """A short digest of the rules' and the document readers' files (code and data): any change to them changes it."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in _PACKAGES:
        files = (p for p in (root / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in sorted(files):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
