"""Acceptance (issue 14, column health): a column that starts answering 404 produces one crawl-problem notice to the
county office — not silence, not one per poll.

The service's jobs on the demo county portal over HTTP on 127.0.0.1 (a crawl in a child process, the check, then
the send to a webhook receiver on 127.0.0.1 that stands for the county office):

- a poll of the healthy portal tells the office nothing about crawling;
- the 年报 column answers 404: the next poll fails, and the office gets one 【抓取异常】 notice naming the column,
  the reason and what to do; a second failing poll adds nothing;
- the column is back: the poll finishes, nothing more is sent;
- it fails again later: a new episode, a second notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from monitor import jobs
from monitor.store.models import CrawlRun, Outbox
from tests.notifications.conftest import Receiver, free_port

COLUMN = "/zwgk/zfxxgknb/"  # the demo portal's 年报 column (its start URL)
NOW = "2026-04-02T10:00:00+08:00"  # office hours in the county


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DemoPortal, Path, Receiver]]:
    monkeypatch.setenv("NIANBAO_NOW", NOW)
    office = Receiver(free_port()).start()
    with DemoPortal() as portal:
        data: dict[str, Any] = portal.config_data(database=f"sqlite:///{tmp_path / 'nianbao.db'}", blobs="blobs")
        data["county"] |= {"notify": ["county"], "dashboard_url": "https://nianbao.example.cn/"}
        data["notifications"] = {"targets": [{"tag": "county", "url": office.url}]}
        data["dashboard"] = {"enabled": False}
        config = tmp_path / "nianbao.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            yield portal, config, office
        finally:
            jobs.close_apps()
            office.stop()


def poll(config: Path) -> str:
    """One poll of the demo portal and a pass of the sender, as the service runs them; the crawl's status."""
    jobs.poll_portal(str(config), "demo")
    jobs.dispatch(str(config))
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        latest = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert latest is not None
        return latest.status


def crawl_notices(office: Receiver) -> list[dict[str, Any]]:
    return [post for post in office.posts if str(post["title"]).startswith("【抓取异常】")]


def test_a_column_that_starts_answering_404_is_told_to_the_county_office_once(county: tuple[DemoPortal, Path, Receiver]) -> None:
    portal, config, office = county
    assert poll(config) == "finished"
    assert office.posts and crawl_notices(office) == []  # the office hears of findings, not of crawling

    portal.misbehave(COLUMN, "gone")
    assert poll(config) == "failed"
    [notice] = crawl_notices(office)
    assert notice["title"] == "【抓取异常】演示县人民政府门户网站（内置演示）的年报栏目无法正常读取"
    text = str(notice["message"])
    for expected in (
        f"地址：{portal.url(COLUMN)}",
        "原因：网页不存在（404）",
        "失败次数：连续 1 次抓取没有成功",
        "nianbao.yaml",
        "抓取情况：https://nianbao.example.cn/crawls",
    ):
        assert expected in text, expected
    assert poll(config) == "failed"  # still broken: no second notice
    assert len(crawl_notices(office)) == 1

    portal.behave()
    assert poll(config) == "finished"
    assert len(crawl_notices(office)) == 1  # back to normal: nothing to say

    portal.misbehave(COLUMN, "gone")
    assert poll(config) == "failed"  # a new episode: told again
    assert len(crawl_notices(office)) == 2
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        rows = list(session.scalars(select(Outbox).where(Outbox.kind == "crawl_problem").order_by(Outbox.id)))
        assert [(r.route, r.sent_at is not None) for r in rows] == [("county", True), ("county", True)]
        runs = [r.id for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
        assert [r.key for r in rows] == [f"crawl_problem:demo:{runs[1]}", f"crawl_problem:demo:{runs[4]}"]
