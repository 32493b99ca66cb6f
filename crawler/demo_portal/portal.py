"""The running demo portal: the generated site, its server on 127.0.0.1, the demo configuration, the test hooks."""

from __future__ import annotations

import errno
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.demo_portal.server import MODES, DemoServer, Served
from crawler.demo_portal.site import BODIES, DemoSite, ExpectedDocument
from monitor.config import Config, parse_config

PORTAL_ID = "demo"
#: The port ``nianbao demo`` serves the demo portal on by default. A real portal keeps its address from one poll to
#: the next, and the documents stored are identified by their URLs; so must the demo's, or every run of the demo
#: would store every report again under a new address.
DEMO_PORT = 20260


def demo_config_data(base_url: str, site: DemoSite, *, database: str | None = None, blobs: str | None = None) -> dict[str, Any]:
    """The demo configuration as YAML data: the portal at ``base_url`` and its bodies, each with its column.

    Politeness is relaxed for a local demo (no delay between requests, short timeouts); the defaults stay polite.
    The Hanweb style names its portal system (``preset: hanweb``); the TRS style leaves it to detection.
    """
    portal: dict[str, Any] = {
        "id": PORTAL_ID,
        "name": "演示县人民政府门户网站（内置演示）",
        "start_urls": [base_url + site.column_url()],
        "allowed_domains": ["127.0.0.1"],
        "contact": "nianbao-demo@example.invalid",
        "poll_interval": "1h",
        "max_pages": 20,
        "concurrency": 2,
        "download_delay": 0,
        "timeout": "10s",
        "max_bytes": "5MB",
        "time_limit": "2m",
    }
    if site.style == "hanweb":
        portal["preset"] = "hanweb"
    data: dict[str, Any] = {
        "county": {"name": "演示县", "timezone": "Asia/Shanghai"},
        "portals": [portal],
        "bodies": [
            {
                "id": body.id,
                "name": body.name,
                "aliases": list(body.aliases),
                "type": body.type,
                "portal": PORTAL_ID,
                "column": base_url + site.column_url(body.id),
            }
            for body in BODIES
        ],
    }
    if database or blobs:
        data["storage"] = {k: v for k, v in (("database", database), ("blobs", blobs)) if v}
    return data


def written_port(path: str | Path) -> int | None:
    """The port of 127.0.0.1 a demo configuration written by :meth:`DemoPortal.write_config` names (None when
    there is no such file or it names no port of 127.0.0.1)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        address = urlsplit(str(data["portals"][0]["start_urls"][0]))
        port = address.port
    except (OSError, yaml.YAMLError, LookupError, TypeError, ValueError):
        return None
    return port if address.hostname == "127.0.0.1" and port else None


class DemoPortal(Served):
    """The demo portal in ``style`` "trs" (default) or "hanweb", generated into ``folder`` (a temporary folder
    when None) and served on 127.0.0.1 (a free port when ``port`` is 0). With ``fallback``, a ``port`` another
    program listens on is replaced by a free one (:attr:`moved` tells)."""

    def __init__(self, style: str = "trs", folder: str | Path | None = None, *, port: int = 0, fallback: bool = False) -> None:
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="nianbao-demo-portal-"))
        try:
            self.site = DemoSite(self.folder, style)
            self.site.build()
            self.server = _bind(self.site, port, fallback=fallback)
        except BaseException:
            if self._own_folder:
                shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.wanted_port = port
        self.base_url = f"http://127.0.0.1:{self.server.port}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.server.port

    @property
    def moved(self) -> bool:
        """True when the port asked for was taken and another one is used."""
        return self.wanted_port not in (0, self.port)

    @property
    def config(self) -> Config:
        """The validated demo configuration."""
        return parse_config(self.config_data(), "demo portal")

    def config_data(self, *, database: str | None = None, blobs: str | None = None) -> dict[str, Any]:
        """The demo configuration as YAML data."""
        return demo_config_data(self.base_url, self.site, database=database, blobs=blobs)

    def write_config(self, path: str | Path, *, database: str | None = None, blobs: str | None = None) -> Path:
        """Write the demo configuration as a ``nianbao.yaml`` file."""
        target = Path(path)
        text = yaml.safe_dump(self.config_data(database=database, blobs=blobs), allow_unicode=True, sort_keys=False)
        header = f"# nianbao demo configuration, written by `nianbao demo` (demo portal on 127.0.0.1:{self.port})\n"
        target.write_text(header + text, encoding="utf-8")
        return target

    def url(self, route: str) -> str:
        """The full URL of a route."""
        return self.base_url + route

    def edit_report(self, body_id: str, part: str = "page") -> str:
        """Edit a body's report after publication (``part`` "page" or "attachment"); returns the changed route."""
        return self.site.edit_report(body_id, part)

    def add_report(self, body_id: str, *, date: str = "2026-02-20") -> str:
        """Publish a new report for ``body_id``; returns its route."""
        return self.site.add_report(body_id, date=date)

    def add_page(self, route: str, data: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        """Serve ``data`` at ``route`` (new or replacing what was there)."""
        self.site.write(route, data, content_type)

    def misbehave(self, route: str, mode: str, *, seconds: float = 30.0) -> None:
        """Make ``route`` misbehave (one of :data:`MODES`; ``seconds`` for "slow")."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.server.misbehaving[route.partition("?")[0]] = (mode, seconds)

    def redirect(self, route: str, location: str) -> None:
        """Make ``route`` answer 302 to ``location`` (any address, another server's included)."""
        self.server.redirects[route.partition("?")[0]] = location

    def behave(self, route: str | None = None) -> None:
        """Stop a route (or every route) misbehaving."""
        if route is None:
            self.server.misbehaving.clear()
        else:
            self.server.misbehaving.pop(route.partition("?")[0], None)

    def expected(self) -> list[ExpectedDocument]:
        """The documents a full crawl must find."""
        return self.site.expected()


def _bind(site: DemoSite, port: int, *, fallback: bool) -> DemoServer:
    try:
        return DemoServer(site, port)
    except OSError as error:
        if not fallback or port == 0 or error.errno != errno.EADDRINUSE:
            raise
        return DemoServer(site, 0)


@contextmanager
def serve_demo(style: str = "trs", folder: str | Path | None = None) -> Iterator[tuple[str, Config]]:
    """Serve the demo portal for the duration of the block: ``(base_url, config)``."""
    with DemoPortal(style, folder) as portal:
        yield portal.base_url, portal.config
