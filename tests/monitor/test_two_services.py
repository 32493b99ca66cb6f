"""Issue 15, acceptance 3: two ``nianbao serve`` instances on one database schedule each portal poll once.

Real parts: the demo portal on 127.0.0.1, two real ``nianbao serve`` processes, real PostgreSQL (and SQLite), real
crawls. Only the instance holding the scheduler lock polls; the other waits, and takes over when the holder is
killed with SIGKILL. Polls are recorded as crawl runs: a portal's runs never overlap, and they follow its poll
interval, not twice as often.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from monitor.store import Store
from monitor.store.models import CrawlRun
from tests.monitor.postgres import postgres_server
from tests.monitor.test_service import NIANBAO

INTERVAL = 8  # seconds between polls of the portal


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nianbao.db'}"
        return
    with postgres_server() as url:
        yield url


def write_config(portal: DemoPortal, database: str, folder: Path) -> Path:
    data = portal.config_data(database=database, blobs=str(folder / "blobs"))
    data["portals"][0]["poll_interval"] = f"{INTERVAL}s"
    data["schedule"] = {"process_interval": "2s", "dispatch_interval": "2s"}
    data["dashboard"] = {"enabled": False}
    path = folder / "nianbao.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NIANBAO_NOW", "NIANBAO_DATABASE_URL")}
    return subprocess.Popen(
        [NIANBAO, "serve", "-c", str(config)], stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True
    )


def runs(database: str, blobs: Path) -> list[tuple[datetime, datetime | None]]:
    store = Store.open(database, blobs)
    try:
        with store.db.transaction() as session:
            rows = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at)).all()
            return [(r.started_at, r.finished_at) for r in rows]
    finally:
        store.close()


def wait_for(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError("timed out")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_two_instances_poll_each_portal_once_and_the_second_takes_over(database: str, tmp_path: Path) -> None:
    with DemoPortal() as portal:
        config = write_config(portal, database, tmp_path)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        first = start(config, logs[0])
        wait_for(lambda: "取得调度锁" in logs[0].read_text(encoding="utf-8"), 60)
        second = start(config, logs[1])
        try:
            wait_for(lambda: "另一个实例正在调度" in logs[1].read_text(encoding="utf-8"), 60)
            wait_for(lambda: len(runs(database, tmp_path / "blobs")) >= 3, 120)
            assert "取得调度锁" not in logs[1].read_text(encoding="utf-8")

            os.killpg(first.pid, signal.SIGKILL)  # the scheduling instance dies mid-work
            first.wait(timeout=30)
            before = len(runs(database, tmp_path / "blobs"))
            wait_for(lambda: "取得调度锁" in logs[1].read_text(encoding="utf-8"), 60)
            wait_for(lambda: len(runs(database, tmp_path / "blobs")) >= before + 2, 120)
        finally:
            stop(second)
            stop(first)
    recorded = runs(database, tmp_path / "blobs")
    starts = [started for started, _finished in recorded]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    # One scheduler at a time: polls follow the interval (the new scheduler polls at once when it takes over, just
    # after the killed instance's last poll began), never two runs of the portal at the same time.
    assert sum(1 for gap in gaps if gap < INTERVAL - 1) <= 1, gaps
    for (_s1, finished), (started, _f2) in itertools.pairwise(recorded):
        assert finished is None or finished <= started
