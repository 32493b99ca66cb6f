"""Dead links: a listed report that answers 404/410, or keeps failing (the same URL on three crawls in a row), is
``unreachable`` — with its body and year from its listing, since when, and a back-off before it is asked again —
and it does not fail the run; a transient failure only counts. Over HTTP on 127.0.0.1, on the monitor's clock.

The column lists two report pages that answer 404 (one named by its title, one by the body's own column it is
listed in) and a report page whose PDF attachment answers 500.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.pages import ListItem, trs_column
from crawler.failures import BACKOFF_FIRST
from crawler.run import CrawlSummary
from monitor.clock import FixedClock
from monitor.config import Config
from monitor.store.crawl import StoredDocument
from monitor.store.models import Event
from tests.crawler.conftest import Workspace, by_route
from tests.crawler.county import article, county_config

COLUMN = "/zwgk/zfxxgknb/"  # the demo portal's 年报 column, its list replaced by this test's (no sub-column menu)
DAYU_COLUMN = "/zwgk/zfxxgknb/dayu/"
BODIES = [
    {"id": "xiping", "name": "西坪镇人民政府", "aliases": ["西坪镇"]},
    {"id": "dayu", "name": "大峪镇人民政府", "aliases": ["大峪镇"]},  # its own column: see _config
    {"id": "ciying", "name": "次营镇人民政府", "aliases": ["次营镇"]},
]
GONE_BY_TITLE = COLUMN + "202601/t20260119_4001.html"  # 西坪镇's report: 404
GONE_IN_COLUMN = DAYU_COLUMN + "202601/t20260121_4002.html"  # "2024年度报告" in 大峪镇's own column: 404
PAGE = COLUMN + "202601/t20260120_4003.html"  # 次营镇's report, fine
ATTACHMENT = COLUMN + "202601/W020260120384756291847.pdf"  # its attachment: 500
XIPING_TITLE = "西坪镇2025年政府信息公开工作年度报告"
CIYING_TITLE = "次营镇2025年政府信息公开工作年度报告"
T0 = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)


def _config(portal: DemoPortal) -> Config:
    bodies = [dict(b, column=portal.url(DAYU_COLUMN)) if b["id"] == "dayu" else b for b in BODIES]
    return county_config(portal, COLUMN, bodies)


def _publish(portal: DemoPortal) -> None:
    items = [
        ListItem(GONE_BY_TITLE, XIPING_TITLE, "2026-01-19"),
        ListItem(PAGE, CIYING_TITLE, "2026-01-20"),
    ]
    portal.add_page(COLUMN + "index.html", trs_column("政府信息公开年报", items, [], page=0, pages=1).encode())
    dayu = [ListItem(GONE_IN_COLUMN, "2024年度政府信息公开工作年度报告", "2026-01-21")]
    portal.add_page(DAYU_COLUMN + "index.html", trs_column("大峪镇", dayu, [], page=0, pages=1).encode())
    portal.add_page(PAGE, article(CIYING_TITLE, source="次营镇人民政府", attachments=[(ATTACHMENT, "报告.pdf")]))
    portal.misbehave(ATTACHMENT, "error")


def _asked(portal: DemoPortal) -> dict[str, int]:
    return {route: sum(1 for e in portal.log if e.route == route) for route in (GONE_BY_TITLE, GONE_IN_COLUMN, ATTACHMENT)}


def _crawl(portal: DemoPortal, workspace: Workspace, clock: FixedClock) -> tuple[CrawlSummary, dict[str, StoredDocument]]:
    portal.clear_log()
    summary = workspace.crawl(_config(portal), clock=clock)
    assert (summary.status, summary.finish_reason) == ("finished", "finished")  # dead documents never fail the run
    return summary, by_route(workspace.documents(), portal.base_url)


def _within(at: datetime | None, start: datetime, minutes: int = 10) -> bool:
    return at is not None and start <= at.astimezone(UTC) < start + timedelta(minutes=minutes)


def test_dead_links_are_unreachable_waited_out_and_active_again_when_they_open(portal: DemoPortal, workspace: Workspace) -> None:
    _publish(portal)
    clock = FixedClock(T0)

    # First crawl: the 404s are unreachable at once, with their body, year and since when; the 500 only counts.
    summary, documents = _crawl(portal, workspace, clock)
    assert summary.unreachable_documents == 3 and summary.new_documents == 1
    assert sorted((e["kind"], e["url"].removeprefix(portal.base_url), e["reason"]) for e in summary.errors) == sorted(
        [("document", ATTACHMENT, "HTTP 500"), ("document", GONE_IN_COLUMN, "HTTP 404"), ("document", GONE_BY_TITLE, "HTTP 404")]
    )
    by_title, in_column, attachment = documents[GONE_BY_TITLE], documents[GONE_IN_COLUMN], documents[ATTACHMENT]
    assert (by_title.status, by_title.reject_reason, by_title.failures) == ("unreachable", "HTTP 404", 1)
    assert (by_title.body_id, by_title.body_from, by_title.year) == ("xiping", "title", 2025)
    assert (by_title.title, by_title.list_url, by_title.sha256) == (XIPING_TITLE, portal.url(COLUMN), None)
    assert (in_column.status, in_column.body_id, in_column.body_from, in_column.year) == ("unreachable", "dayu", "column", 2024)
    for dead in (by_title, in_column, attachment):
        assert _within(dead.failing_since, T0)
        assert dead.failing_since is not None and dead.retry_after == dead.failing_since + BACKOFF_FIRST
    assert (attachment.status, attachment.failures, attachment.sha256) == ("active", 1, None)  # not unreachable yet
    assert (attachment.body_id, attachment.year, attachment.parent_url) == ("ciying", 2025, portal.url(PAGE))
    assert _asked(portal)[GONE_BY_TITLE] == _asked(portal)[GONE_IN_COLUMN] == 1
    store = workspace.store()
    try:
        with store.db.transaction() as session:
            events = [e.data["url"] for e in session.scalars(select(Event).where(Event.kind == "document.unreachable"))]
    finally:
        store.close()
    assert sorted(events) == sorted([portal.url(GONE_BY_TITLE), portal.url(GONE_IN_COLUMN)])

    # An hour later: nothing that failed is asked again; each is still listed, and counted as not fetched.
    clock.advance(hours=1)
    summary, documents = _crawl(portal, workspace, clock)
    assert _asked(portal) == {GONE_BY_TITLE: 0, GONE_IN_COLUMN: 0, ATTACHMENT: 0}
    assert (summary.unreachable_documents, summary.errors) == (3, ())
    assert _within(documents[GONE_BY_TITLE].last_seen, T0 + timedelta(hours=1))
    assert [documents[r].failures for r in (GONE_BY_TITLE, GONE_IN_COLUMN, ATTACHMENT)] == [1, 1, 1]

    # Past the back-off: asked again. One of the dead pages is back; the other is still gone (now waiting two days,
    # failing since the first failure); the attachment fails a second time.
    clock.advance(days=1)
    portal.add_page(GONE_BY_TITLE, article(XIPING_TITLE, source="西坪镇人民政府"))
    summary, documents = _crawl(portal, workspace, clock)
    assert _asked(portal) == {GONE_BY_TITLE: 1, GONE_IN_COLUMN: 1, ATTACHMENT: 3}  # a 500 is retried twice
    back, in_column, attachment = documents[GONE_BY_TITLE], documents[GONE_IN_COLUMN], documents[ATTACHMENT]
    assert (back.status, back.failures, back.reject_reason) == ("active", 0, None)
    assert back.failing_since is None and back.retry_after is None
    assert back.sha256 is not None and (back.body_id, back.year, back.published_from) == ("xiping", 2025, "list")
    assert (summary.new_documents, summary.unreachable_documents) == (1, 2)
    assert (in_column.status, in_column.failures) == ("unreachable", 2)
    assert _within(in_column.failing_since, T0) and in_column.retry_after is not None
    assert in_column.retry_after - (T0 + timedelta(days=1, hours=1)) >= timedelta(days=2)
    assert (attachment.status, attachment.failures) == ("active", 2)

    # The attachment's third failure in a row makes it unreachable; then it opens: active, its streak forgotten.
    clock.advance(days=4)
    summary, documents = _crawl(portal, workspace, clock)
    third = documents[ATTACHMENT]
    assert (third.status, third.failures, third.reject_reason) == ("unreachable", 3, "HTTP 500")
    assert _within(third.failing_since, T0)
    portal.behave(ATTACHMENT)
    portal.add_page(ATTACHMENT, b"%PDF-1.4\n% the attachment\n", "application/pdf")
    clock.advance(days=5)
    summary, documents = _crawl(portal, workspace, clock)
    opened = documents[ATTACHMENT]
    assert (opened.status, opened.failures, opened.sha256 is not None) == ("active", 0, True)
    assert documents[GONE_IN_COLUMN].status == "unreachable"  # still gone: listed, counted
    assert summary.unreachable_documents == 1


def test_a_page_known_before_that_now_answers_404_keeps_its_content_and_opens_again_with_a_304(
    portal: DemoPortal, workspace: Workspace
) -> None:
    _publish(portal)
    portal.behave(ATTACHMENT)
    portal.add_page(ATTACHMENT, b"%PDF-1.4\n", "application/pdf")
    clock = FixedClock(T0)
    _summary, before = _crawl(portal, workspace, clock)
    portal.misbehave(PAGE, "gone")
    clock.advance(hours=6)
    _summary, documents = _crawl(portal, workspace, clock)
    gone = documents[PAGE]
    assert (gone.status, gone.versions, gone.body_id) == ("unreachable", 1, "ciying")
    assert (gone.sha256, gone.published_on) == (before[PAGE].sha256, before[PAGE].published_on)
    portal.behave(PAGE)
    clock.advance(days=2)
    summary, documents = _crawl(portal, workspace, clock)
    assert [e.status for e in portal.log if e.route == PAGE] == [304]
    assert (documents[PAGE].status, documents[PAGE].failures, documents[PAGE].retry_after) == ("active", 0, None)
    assert summary.changed_documents == summary.new_documents == 0
