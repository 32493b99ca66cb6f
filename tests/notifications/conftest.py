"""Fixtures of the notification tests: a real SQLite store, local receivers (HTTP webhook, SMTP sink) on
127.0.0.1, a configuration whose targets point at them, and helpers to put reports and findings in the store.
Nothing here talks to anything outside 127.0.0.0/8.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import Config, parse_config
from monitor.processing import sync
from monitor.store import FetchedDocument, Store
from monitor.store.findings import FindingInput
from monitor.store.registry import pending_versions, save_report

T0 = datetime(2026, 2, 3, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    """A local webhook receiver: records every JSON post; ``status`` is what it answers."""

    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # of each post, in the order of ``posts``
    status: int = 200
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.posts.append({"path": self.path, **json.loads(body.decode("utf-8"))})
                receiver.headers.append(dict(self.headers.items()))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running webhook receiver."""
    running = Receiver(free_port()).start()
    yield running
    running.stop()


@pytest.fixture
def county_receiver() -> Iterator[Receiver]:
    """A second receiver, for the county office."""
    running = Receiver(free_port()).start()
    yield running
    running.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store in a temporary folder."""
    opened = Store.open(f"sqlite:///{tmp_path / 'nianbao.db'}", tmp_path / "blobs")
    opened.db.upgrade()
    yield opened
    opened.close()


BODIES: list[dict[str, Any]] = [
    {"id": "ciying", "name": "次营镇人民政府", "aliases": ["次营镇"], "type": "town", "notify": ["ciying"]},
    {"id": "jiaohu", "name": "焦虎镇人民政府", "aliases": ["焦虎镇"], "type": "town", "notify": ["jiaohu"]},
    {"id": "shenji", "name": "某县审计局", "type": "department", "notify": ["shenji"]},
    {"id": "xianfu", "name": "某县人民政府", "type": "county"},
]


def config_data(tmp_path: Path, targets: list[dict[str, str]], **notifications: Any) -> dict[str, Any]:
    """A configuration tree with four bodies, the given targets and notification settings."""
    tags = {t["tag"] for t in targets}
    bodies = [b | {"notify": [t for t in b.get("notify", []) if t in tags]} for b in BODIES] if targets else BODIES
    return {
        "county": {
            "name": "某县",
            "timezone": "Asia/Shanghai",
            "notify": ["county"],
            "dashboard_url": "https://nianbao.example.cn/",
        },
        "deadlines": {"town": "02-10"},
        "storage": {"digests": str(tmp_path / "digests")},
        "bodies": bodies,
        "notifications": {"targets": targets, **notifications},
    }


def make_config(tmp_path: Path, targets: list[dict[str, str]], **notifications: Any) -> Config:
    """The validated configuration of :func:`config_data`."""
    return parse_config(config_data(tmp_path, targets, **notifications))


def write_config(tmp_path: Path, targets: list[dict[str, str]], **notifications: Any) -> Path:
    """The configuration of :func:`config_data` as a nianbao.yaml file (for child processes)."""
    path = tmp_path / "nianbao.yaml"
    path.write_text(yaml.safe_dump(config_data(tmp_path, targets, **notifications), allow_unicode=True), encoding="utf-8")
    return path


def add_report(
    store: Store, body_id: str, year: int, *, published_on: date | None, at: datetime = T0, url: str | None = None
) -> tuple[int, int]:
    """A fetched document with a checked report for a body and year; returns (document id, report id)."""
    url = url or f"http://127.0.0.1/{body_id}/{year}.html"
    _outcome, document_id = store.crawl.record(
        FetchedDocument(
            url=url,
            data=f"{body_id} {year} {url}".encode(),
            fetched_at=at,
            body_id=body_id,
            year=year,
            title=f"{year}年政府信息公开工作年度报告",
            published_on=published_on,
            published_from="visible" if published_on else None,
        )
    )
    with store.db.transaction() as session:
        version = next(v for v in pending_versions(session) if v.document_id == document_id)
        fields = {
            "body_id": body_id,
            "year": year,
            "title": f"{year}年政府信息公开工作年度报告",
            "template": "2021",
            "format": "html",
        }
        report_id = save_report(session, version.version_id, document_id, fields | {"summary": {}}, at)
    return document_id, report_id


def findings(body_id: str, year: int, count: int, *, severity: str = "error") -> list[FindingInput]:
    """``count`` distinct findings of a body and year (rules S101…; one per missing section)."""
    sections = "一二三四五六七八九"
    return [
        FindingInput(
            f"{body_id}-{year}-{n}",
            f"S10{1 + n % 5}",
            severity,
            f"报告缺少第{sections[n]}部分。",
            {"section": sections[n], "table": None, "row": None, "column": None, "source": f"line {10 * (n + 1)}"},
            {},
        )
        for n in range(count)
    ]


@pytest.fixture
def synced(store: Store, tmp_path: Path) -> Store:
    """The store with the four bodies registered."""
    sync(store, make_config(tmp_path, []))
    return store
