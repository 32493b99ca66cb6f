"""A running system column: :class:`SystemSite` served on 127.0.0.1, its configuration, its request log.

``with SystemPortal("hanweb") as portal:`` serves the Hanweb column on a free port; ``portal.column_url`` is the
address an administrator would paste (gkmlpt's with its ``#column`` fragment), ``portal.config_data()`` a
``nianbao.yaml`` naming it with ``preset: hanweb``, ``portal.expected()`` the report documents a crawl must find.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from crawler.demo_portal.portal import PORTAL_ID
from crawler.demo_portal.server import DemoServer, Served
from crawler.demo_portal.site import ExpectedDocument
from crawler.demo_portal.systems import SYSTEM_BODIES, SystemSite
from monitor.config import Config, parse_config

_LABELS = {"trs": "拓尔思", "hanweb": "大汉", "gkmlpt": "gkmlpt", "ucap": "开普云", "generic": "通用网页"}


def system_config_data(
    base_url: str, site: SystemSite, *, contact: str = "nianbao-demo@example.invalid", preset: str | None = None
) -> dict[str, Any]:
    """The configuration of a system column at ``base_url`` as YAML data: portal ``demo`` with ``preset`` (the
    column's system by default; ``auto`` to have it detected) and the five bodies. Polite but fast for a local
    server: no delay, 10 s timeout, 2 minutes, 30 list pages."""
    portal: dict[str, Any] = {
        "id": PORTAL_ID,
        "name": f"演示县人民政府门户网站（{_LABELS[site.system]}系统演示）",
        "start_urls": [base_url + site.column_url()],
        "allowed_domains": ["127.0.0.1"],
        "contact": contact,
        "preset": preset or site.system,
        "poll_interval": "1h",
        "max_pages": 30,
        "concurrency": 2,
        "download_delay": 0,
        "timeout": "10s",
        "max_bytes": "5MB",
        "time_limit": "2m",
    }
    bodies = [
        {"id": b.id, "name": b.name, "aliases": list(b.aliases), "type": b.type, "portal": PORTAL_ID} for b in SYSTEM_BODIES
    ]
    return {"county": {"name": "演示县", "timezone": "Asia/Shanghai"}, "portals": [portal], "bodies": bodies}


class SystemPortal(Served):
    """The 年报 column of ``system`` generated into ``folder`` (a temporary folder when None) and served on
    127.0.0.1 (a free port when ``port`` is 0) for the duration of a ``with`` block."""

    def __init__(self, system: str, folder: str | Path | None = None, *, port: int = 0) -> None:
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix=f"nianbao-{system}-"))
        try:
            self.site = SystemSite(self.folder, system)
            self.site.build()
            self.server = DemoServer(self.site, port)
        except BaseException:
            if self._own_folder:
                shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.base_url = f"http://127.0.0.1:{self.server.port}"

    @property
    def system(self) -> str:
        """The portal system the column is in."""
        return self.site.system

    @property
    def column_url(self) -> str:
        """The column's full address, as an administrator would paste it."""
        return self.base_url + self.site.column_url()

    def url(self, route: str) -> str:
        """The full URL of a route."""
        return self.base_url + route

    def config_data(self, *, contact: str = "nianbao-demo@example.invalid", preset: str | None = None) -> dict[str, Any]:
        """The configuration naming this column, as YAML data (see :func:`system_config_data`)."""
        return system_config_data(self.base_url, self.site, contact=contact, preset=preset)

    @property
    def config(self) -> Config:
        """The validated configuration."""
        return parse_config(self.config_data(), f"{self.system} demo column")

    def expected(self) -> list[ExpectedDocument]:
        """The report documents a full crawl must find."""
        return self.site.expected()

    def add_report(self, body_id: str, year: int = 2025, *, date: str = "2026-02-20", attachment: str | None = None) -> str:
        """Publish a new report; returns its route."""
        return self.site.add_report(body_id, year, date=date, attachment=attachment)

    def edit_report(self, body_id: str, year: int) -> str:
        """Edit a report after publication; returns the changed route."""
        return self.site.edit_report(body_id, year)
