"""Reliability of the crawl and the check: a process killed with SIGKILL at an injected point (``NIANBAO_FAULT``,
see monitor/store/faults.py), then the same work run again, leaves the store as an uninterrupted run does — the
same documents and versions, reports, findings with their states, outbox rows and events (crawl runs apart: the
killed crawl is recorded as failed). Real crawls of the demo portal on 127.0.0.1, real SQLite, real processes.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo_portal import DemoPortal
from monitor.store.faults import CHECK_POINTS, CRAWL_POINTS, FAULT_ENV

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-04-02T10:00:00+08:00"  # the monitor's clock in every process: the same times in every run
KILLED = -9

CRAWL = """\
import sys
from crawler.run import crawl_portal
from monitor.app import App
app = App.load(sys.argv[1])
summary = crawl_portal(app.config, "demo", app.store.db.url, app.store.blobs.root, clock=app.clock)
app.close()
sys.exit(1 if summary.failed else 0)
"""
CHECK = """\
import sys
from monitor.app import App
app = App.load(sys.argv[1])
app.process()
app.close()
"""


def run(folder: Path, code: str, fault: str | None = None) -> int:
    """Run ``code`` on the configuration in ``folder`` in a new process (with the fault point, if any)."""
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV} | {"NIANBAO_NOW": NOW}
    if fault is not None:
        env[FAULT_ENV] = fault
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder / "nianbao.yaml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return done.returncode


def snapshot(folder: Path) -> dict[str, Any]:
    """What the store holds, without ids, crawl runs and the instants of sightings (a crawl's clock runs on
    from its start: a re-run crawl sees the same documents a few milliseconds apart)."""
    with sqlite3.connect(f"file:{folder / 'var' / 'nianbao.db'}?mode=ro", uri=True) as db:
        rows = {
            "documents": "SELECT url, status, body_id, year, published_on, published_from FROM documents",
            "versions": "SELECT d.url, v.sha256, v.state FROM document_versions v JOIN documents d ON d.id = v.document_id",
            "reports": "SELECT r.body_id, r.year, v.sha256 FROM reports r JOIN document_versions v ON v.id = r.version_id",
            "findings": "SELECT fingerprint, rule, severity, state, body_id, year, backlog FROM findings",
            "review": "SELECT fingerprint, rule, state FROM review_items",
            "outbox": "SELECT key, kind, route FROM outbox",
        }
        found: dict[str, Any] = {name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in rows.items()}
        # An outbox key names its document by row id, which follows the order documents were first stored in.
        found["outbox"] = sorted((re.sub(r":\d+:", ":#:", key), kind, route) for key, kind, route in found["outbox"])
        kinds = db.execute("SELECT kind FROM events WHERE kind NOT LIKE 'crawl.%'").fetchall()
        found["events"] = Counter(kind for (kind,) in kinds)
    return found


@pytest.fixture(scope="module")
def portal() -> Iterator[DemoPortal]:
    with DemoPortal() as running:
        yield running


@pytest.fixture(scope="module")
def fresh(portal: DemoPortal, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county folder with its configuration and nothing stored yet."""
    folder = tmp_path_factory.mktemp("fresh")
    portal.write_config(folder / "nianbao.yaml", database="sqlite:///var/nianbao.db", blobs="var/blobs")
    return folder


@pytest.fixture(scope="module")
def crawled(fresh: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county after one uninterrupted crawl, nothing checked yet."""
    folder = tmp_path_factory.mktemp("crawled") / "county"
    shutil.copytree(fresh, folder)
    assert run(folder, CRAWL) == 0
    return folder


@pytest.fixture(scope="module")
def uninterrupted(crawled: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The store after an uninterrupted crawl and check."""
    folder = tmp_path_factory.mktemp("uninterrupted") / "county"
    shutil.copytree(crawled, folder)
    assert run(folder, CHECK) == 0
    found = snapshot(folder)
    assert found["findings"] and found["outbox"] and found["reports"]  # the comparison has something to compare
    return found


@pytest.mark.parametrize("point", CRAWL_POINTS)
def test_a_crawl_killed_then_run_again_stores_what_an_uninterrupted_one_does(
    point: str, fresh: Path, uninterrupted: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "county"
    shutil.copytree(fresh, folder)
    assert run(folder, CRAWL, point) == 1  # the crawler's child was killed: the run is recorded as failed
    with sqlite3.connect(folder / "var" / "nianbao.db") as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1  # killed after its first document
        assert db.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]
    assert run(folder, CRAWL) == 0
    assert run(folder, CHECK) == 0
    assert snapshot(folder) == uninterrupted


@pytest.mark.parametrize("point", CHECK_POINTS)
def test_a_check_killed_then_run_again_leaves_what_an_uninterrupted_one_does(
    point: str, crawled: Path, uninterrupted: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "county"
    shutil.copytree(crawled, folder)
    assert run(folder, CHECK, point) == KILLED
    assert snapshot(folder) != uninterrupted  # it did stop half-way
    assert run(folder, CHECK) == 0
    assert snapshot(folder) == uninterrupted
