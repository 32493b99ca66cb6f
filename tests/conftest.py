"""Shared fixtures: paths to the copied fixtures and helpers to build reports from seed text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"


def seed_path(name: str) -> Path:
    """The fixture file of a seed by its number ("000" … "004")."""
    return next(SEEDS.glob(f"{name}_*.txt"))


def seed_text(name: str) -> str:
    """A seed's text; "000-fixed" is seed 000 with 表四 reduced to the 15 values of its header."""
    if name == "000-fixed":
        text = seed_path("000").read_text(encoding="utf-8")
        fixed, count = re.subn(r"\n0(\t0){15}\n", "\n" + "\t".join(["0"] * 15) + "\n", text)
        assert count == 1
        return fixed
    return seed_path(name).read_text(encoding="utf-8")


def apply_edits(text: str, edits: list[dict[str, object]]) -> str:
    """Apply regex edits; each must match (``count``: how many replacements, 0 for all)."""
    for edit in edits:
        pattern, replacement = str(edit["find"]), str(edit["replace"])
        count = int(str(edit.get("count", 1)))
        text, made = re.subn(pattern, replacement, text, count=count)
        assert made, f"edit {pattern!r} matched nothing"
    return text


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An empty database on a private PostgreSQL server, one server per test session (per xdist worker)."""
    from tests.monitor.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def format_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds in every paged format (tests/formats_build.py), built once per test session: under xdist the
    workers share one folder, and the first to take the lock builds it."""
    import fcntl
    import os

    from tests.formats_build import build_formats

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "formats"
    with open(root / "formats.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            build_formats(folder)
            (folder / "done").touch()
    return folder
