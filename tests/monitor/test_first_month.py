"""Acceptance (issue 12): a county's first month on a portal column with eight years of reports.

A county body registered under its official name (演示经济开发区管委会) publishes under the name its titles use
(演示经济开发区). Its TRS column lists reports 2018–2025; two of the listed pages answer 404. The polls are the
service's job (a crawl in a child process over HTTP on 127.0.0.1, then the check):

- the first poll stores and checks every report that opens, pushes only about the current reporting year (2025),
  creates one dead-link finding (D606) per dead listing, and shows those years as 链接无法打开, never 逾期未公开;
- a second poll an hour later does not ask the dead links again (back-off) and pushes nothing;
- a poll two days later asks each dead link once more, and still pushes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.markup import body_html, read_seed
from crawler.demo_portal.pages import ListItem, trs_article, trs_column
from crawler.demo_portal.site import seed_text
from monitor import jobs
from monitor.clock import FixedClock
from monitor.store.models import Document, Finding, Outbox, Report
from monitor.store.status import body_statuses
from tests.crawler.county import loopback_portal

COLUMN = "/zwgk/zfxxgknb/"  # the demo portal's 年报 column, its list replaced by this county's (no sub-columns)
YEARS = range(2018, 2026)  # eight report years
DEAD = {2020, 2022}  # their listed pages answer 404
NOW = "2026-04-15T10:00:00+08:00"  # after the county government's deadline (31 March) for 2025


def report_route(year: int) -> str:
    return f"{COLUMN}kfq/{year + 1}03/t{year + 1}0320_{year}.html"


def kfq_report(year: int) -> bytes:
    """The 西坪镇 seed as the development zone's report of ``year`` (names and years replaced)."""
    text = seed_text("002").replace("西坪镇人民政府", "演示经济开发区管理委员会").replace("西坪镇", "演示经济开发区")
    text = text.replace("2025", str(year))
    title = f"演示经济开发区{year}年政府信息公开工作年度报告"
    page = trs_article(
        title,
        body_html(read_seed(text), "trs"),
        source="演示经济开发区管委会",
        pubdate=f"{year + 1}-03-20 09:00",
        visible_date=None,
    )
    return page.encode("utf-8")


def town_report() -> bytes:
    title = "次营镇人民政府2025年政府信息公开工作年度报告"
    page = trs_article(
        title, body_html(read_seed(seed_text("000")), "trs"), source="次营镇人民政府", pubdate=None, visible_date=None
    )
    return page.encode("utf-8")


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DemoPortal, Path]]:
    monkeypatch.setenv("NIANBAO_NOW", NOW)
    with DemoPortal() as portal:
        items = [ListItem(report_route(y), f"演示经济开发区{y}年政府信息公开工作年度报告", f"{y + 1}-03-20") for y in YEARS]
        items.insert(
            0, ListItem(f"{COLUMN}202601/t20260120_9001.html", "次营镇人民政府2025年政府信息公开工作年度报告", "2026-01-20")
        )
        for year in YEARS:
            if year not in DEAD:
                portal.add_page(report_route(year), kfq_report(year))
        portal.add_page(f"{COLUMN}202601/t20260120_9001.html", town_report())
        portal.add_page(f"{COLUMN}index.html", trs_column("政府信息公开年报", items, [], page=0, pages=1).encode("utf-8"))
        data: dict[str, Any] = {
            "county": {"name": "演示县", "timezone": "Asia/Shanghai", "notify": ["county"]},
            "portals": [loopback_portal(portal, COLUMN, "p", "演示经济开发区门户网站")],
            "bodies": [
                {"id": "kfq", "name": "演示经济开发区管委会", "type": "county", "portal": "p", "notify": ["kfq"]},
                {"id": "ciying", "name": "次营镇人民政府", "type": "town", "portal": "p", "notify": ["ciying"]},
            ],
            "notifications": {
                "targets": [
                    {"tag": "county", "url": "json://127.0.0.1:9/county"},
                    {"tag": "kfq", "url": "json://127.0.0.1:9/kfq"},
                    {"tag": "ciying", "url": "json://127.0.0.1:9/ciying"},
                ]
            },
            "storage": {"database": f"sqlite:///{tmp_path / 'nianbao.db'}", "blobs": "blobs"},
            "dashboard": {"enabled": False},
        }
        config = tmp_path / "nianbao.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            yield portal, config
        finally:
            jobs.close_apps()


def dead_requests(portal: DemoPortal) -> dict[int, int]:
    return {year: sum(1 for r in portal.log if r.route == report_route(year)) for year in DEAD}


def outbox(config: Path) -> list[tuple[str, str, dict[str, Any]]]:
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        return [(r.kind, r.route, dict(r.payload)) for r in session.scalars(select(Outbox).order_by(Outbox.id))]


def years_pushed(rows: list[tuple[str, str, dict[str, Any]]]) -> set[int | None]:
    return {f.get("year") for _kind, _route, payload in rows for f in payload.get("findings", [])}


def test_first_month_on_an_eight_year_column(county: tuple[DemoPortal, Path]) -> None:
    portal, config = county
    jobs.poll_portal(str(config), "p")
    app = jobs.app_for(str(config))
    assert isinstance(app.clock, FixedClock)

    with app.store.db.transaction() as session:
        checked = {(r.body_id, r.year) for r in session.scalars(select(Report))}
        dead = {d.year: d for d in session.scalars(select(Document).where(Document.status == "unreachable"))}
        d606 = list(session.scalars(select(Finding).where(Finding.rule == "D606")))
        history = list(session.scalars(select(Finding).where(Finding.backlog.is_(True), Finding.rule != "D606")))
        standing = {
            year: {
                s.body_id: s
                for s in body_statuses(
                    session, {"kfq": app.config.deadline_for(app.config.bodies[0], year)[0]}, year, app.clock.now().date()
                )
            }["kfq"]
            for year in YEARS
        }
    # Every report that opens is stored and checked, attributed to the 管委会 by the name its titles use.
    assert checked == {("kfq", y) for y in YEARS if y not in DEAD} | {("ciying", 2025)}
    # One dead-link finding per dead listing, for the body and year the listing names; history, not news.
    assert set(dead) == DEAD and all(d.body_id == "kfq" and d.failures == 1 for d in dead.values())
    assert sorted((f.year, f.body_id, f.severity, f.state) for f in d606) == [
        (2020, "kfq", "error", "open"),
        (2022, "kfq", "error", "open"),
    ]
    assert all(f.backlog for f in d606)
    assert history, "the past years' reports were checked and their findings kept as history"
    # Those years are shown as such, never as 逾期未公开; the others by their listed dates.
    for year in DEAD:
        assert standing[year].status == "unreachable" and standing[year].status_zh == "链接无法打开"
    assert {standing[y].status for y in YEARS if y not in DEAD} == {"on_time"}

    # Pushes only about the current reporting year: the bodies' messages and the county office's summary.
    first = outbox(config)
    assert first, "the 2025 reports' findings are pushed"
    assert years_pushed(first) == {2025}
    assert {kind for kind, _route, _payload in first} <= {"findings", "summary"}
    assert sum(1 for kind, _route, _payload in first if kind == "summary") <= 1
    assert all(route == "county" for kind, route, _payload in first if kind == "summary")

    # An hour later: the dead links wait out their back-off; nothing new is pushed.
    portal.clear_log()
    app.clock.advance(hours=1)
    jobs.poll_portal(str(config), "p")
    assert dead_requests(portal) == {2020: 0, 2022: 0}
    assert outbox(config) == first

    # Two days later the back-off (one day after the first failure) has passed: each is asked once more.
    portal.clear_log()
    app.clock.advance(days=2)
    jobs.poll_portal(str(config), "p")
    assert dead_requests(portal) == {2020: 1, 2022: 1}
    assert outbox(config) == first
    with app.store.db.transaction() as session:
        assert {(d.year, d.failures) for d in session.scalars(select(Document).where(Document.status == "unreachable"))} == {
            (2020, 2),
            (2022, 2),
        }
        assert session.scalar(select(Finding).where(Finding.rule == "D601")) is None


def test_a_dead_link_that_opens_again_resolves_its_finding(county: tuple[DemoPortal, Path]) -> None:
    portal, config = county
    jobs.poll_portal(str(config), "p")
    app = jobs.app_for(str(config))
    portal.add_page(report_route(2022), kfq_report(2022))
    app.clock.advance(days=2)
    jobs.poll_portal(str(config), "p")
    with app.store.db.transaction() as session:
        states = {f.year: f.state for f in session.scalars(select(Finding).where(Finding.rule == "D606"))}
        document = session.scalar(select(Document).where(Document.url == portal.url(report_route(2022))))
        assert document is not None and document.status == "active" and document.failures == 0
        assert ("kfq", 2022) in {(r.body_id, r.year) for r in session.scalars(select(Report))}
    assert states == {2020: "open", 2022: "resolved"}
