"""Fixtures of the crawler tests: the demo portal on 127.0.0.1, a store in tmp_path, a crawl helper.

Every crawl goes through :func:`crawler.run.crawl_portal` (a real child process, real HTTP, real SQLite). The
helper refuses any configuration naming a host outside 127.0.0.0/8: these tests never reach the network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.demo_portal import DemoPortal
from crawler.run import CrawlSummary, crawl_portal
from monitor.config import Config
from monitor.store import Store
from monitor.store.crawl import StoredDocument


def assert_loopback(config: Config) -> None:
    """Fail unless every address the configuration names is on 127.0.0.0/8."""
    for portal in config.portals:
        hosts = [urlsplit(u).hostname or "" for u in portal.start_urls] + list(portal.allowed_domains)
        hosts += [urlsplit(b.column).hostname or "" for b in config.bodies if b.column]
        for host in hosts:
            assert ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8"), host


def with_portal(config: Config, **changes: Any) -> Config:
    """``config`` with the demo portal's settings changed (timeout, time_limit, selectors …)."""
    return replace(config, portals=tuple(replace(p, **changes) for p in config.portals))


@dataclass
class Workspace:
    """A store (SQLite file, blob folder) and an HTTP cache in a temporary folder."""

    folder: Path

    @property
    def database(self) -> str:
        return f"sqlite:///{self.folder / 'nianbao.db'}"

    @property
    def blobs(self) -> Path:
        return self.folder / "blobs"

    def crawl(self, config: Config, **options: Any) -> CrawlSummary:
        """Crawl the demo portal of ``config`` into this workspace."""
        assert_loopback(config)
        options.setdefault("log_path", self.folder / "crawl.log")
        return crawl_portal(config, "demo", self.database, self.blobs, cache_dir=self.folder / "httpcache", **options)

    def documents(self) -> list[StoredDocument]:
        """The documents stored so far."""
        store = Store.open(self.database, self.blobs)
        try:
            return store.crawl.documents("demo")
        finally:
            store.close()

    def store(self) -> Store:
        """The store (the caller closes it)."""
        return Store.open(self.database, self.blobs)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def portal() -> Iterator[DemoPortal]:
    with DemoPortal() as running:
        yield running


def by_route(documents: list[StoredDocument], base_url: str) -> dict[str, StoredDocument]:
    """The documents by their route on the demo portal."""
    return {d.url.removeprefix(base_url): d for d in documents}
