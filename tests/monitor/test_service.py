"""`nianbao serve` as a real process: it logs what is enabled, checks what is pending, stops on SIGTERM,
and loses or duplicates nothing when killed with SIGKILL and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select

from monitor.store import FetchedDocument, Store
from monitor.store.models import Event, Finding, Outbox, Report
from tests.conftest import seed_text
from tests.monitor.conftest import CONFIG

NIANBAO = str(Path(sys.executable).parent / "nianbao")


def write_config(tmp_path: Path, dashboard: bool = False) -> Path:
    data = dict(
        CONFIG,
        storage={"database": "sqlite:///var/nianbao.db", "blobs": "var/blobs"},
        schedule={"process_interval": "1s", "dispatch_interval": "1s"},
        dashboard={"port": 0} if dashboard else {"enabled": False},
    )
    path = tmp_path / "nianbao.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def open_store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'var' / 'nianbao.db'}", tmp_path / "var" / "blobs")
    store.db.upgrade()
    return store


def add_documents(store: Store, count: int) -> None:
    now = datetime.now(UTC)
    seeds = ["000", "001", "002", "003", "004"]
    for index in range(count):
        text = seed_text(seeds[index % 5]).replace("2025", "2025", 1)
        store.crawl.record(
            FetchedDocument(
                url=f"http://127.0.0.1/nb/{index}.html",
                data=(text + f"\n\n<!-- {index} -->").encode(),
                fetched_at=now,
                body_id=None,
                year=2025,
                published_on=date(2026, 1, 20),
            )
        )


def snapshot(store: Store) -> tuple[int, int, int, int, list[str]]:
    with store.db.transaction() as session:
        return (
            session.scalar(select(func.count(Report.id))) or 0,
            session.scalar(select(func.count(Finding.id))) or 0,
            session.scalar(select(func.count(Event.id))) or 0,
            session.scalar(select(func.count(Outbox.id))) or 0,
            sorted(f.fingerprint for f in session.scalars(select(Finding))),
        )


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, NIANBAO_NOW="")
    return subprocess.Popen(
        [NIANBAO, "serve", "-c", str(config)], stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True
    )


def wait_for(predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_logs_checks_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = write_config(tmp_path, dashboard=True)
    store = open_store(tmp_path)
    add_documents(store, 3)
    log = tmp_path / "serve.log"
    process = start(config, log)
    try:
        wait_for(lambda: snapshot(store)[0] == 3)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    text = log.read_text(encoding="utf-8")
    for line in ("nianbao 服务启动", "单位 4 个", "规则 30 条", "通知目标", "网页界面：http://127.0.0.1:", "服务已停止"):
        assert line in text, text
    store.close()


def test_sigkill_mid_cycle_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(tmp_path)
    add_documents(store, 40)
    log = tmp_path / "serve.log"
    process = start(config, log)
    wait_for(lambda: snapshot(store)[0] >= 5)
    os.killpg(process.pid, signal.SIGKILL)  # in the middle of the cycle: some checked, some pending
    process.wait(timeout=30)
    partial = snapshot(store)
    assert partial[0] < 40
    process = start(config, log)
    try:
        wait_for(lambda: snapshot(store)[0] == 40, timeout=120)
        time.sleep(2)  # a few more idle cycles must change nothing
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    reports, findings, events, outbox, fingerprints = snapshot(store)
    assert reports == 40
    assert len(set(fingerprints)) == len(fingerprints) == findings
    with store.db.transaction() as session:
        opened = session.scalar(select(func.count(Event.id)).where(Event.kind == "finding.opened"))
    assert opened == findings  # every finding opened exactly once
    # A further run over the same documents adds nothing.
    process = start(config, log)
    time.sleep(4)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert snapshot(store) == (reports, findings, events, outbox, fingerprints)
    store.close()
