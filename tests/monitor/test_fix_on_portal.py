"""Acceptance (issue 5): fixing a report on the demo portal resolves its findings after the next poll;
breaking it again reopens them. The poll is the service's job: a crawl in a child process, then the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from monitor import jobs
from monitor.store.models import Event, Finding

ROUTE = "/zwgk/zfxxgknb/jiaohu/content_1004.html"  # 焦虎镇: its section 六 says only "无" (S109)
BROKEN = '<p style="text-indent:2em;text-align:justify;">无</p>'
FIXED = '<p style="text-indent:2em;text-align:justify;">本机关2025年度未收取政府信息公开信息处理费。</p>'


def s109(config: Path) -> tuple[str, int]:
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        finding = session.scalar(select(Finding).where(Finding.rule == "S109", Finding.body_id == "jiaohu"))
        assert finding is not None
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.finding_id == finding.id))]
        return finding.state, kinds.count("finding.reopened")


def test_fix_resolves_after_the_next_poll_and_breaking_again_reopens(tmp_path: Path) -> None:
    with DemoPortal() as portal:
        data: dict[str, Any] = portal.config_data(database=f"sqlite:///{tmp_path / 'nianbao.db'}", blobs="blobs")
        data["dashboard"] = {"enabled": False}
        config = tmp_path / "nianbao.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        page = portal.site._file(ROUTE)
        broken = page.read_bytes().decode("gb18030")
        assert BROKEN in broken
        try:
            jobs.poll_portal(str(config), "demo")
            assert s109(config) == ("open", 0)

            portal.add_page(ROUTE, broken.replace(BROKEN, FIXED).encode("gb18030"), "text/html; charset=GBK")
            jobs.poll_portal(str(config), "demo")
            assert s109(config) == ("resolved", 0)

            portal.add_page(ROUTE, broken.encode("gb18030"), "text/html; charset=GBK")
            jobs.poll_portal(str(config), "demo")
            assert s109(config) == ("open", 1)
        finally:
            jobs.close_apps()
