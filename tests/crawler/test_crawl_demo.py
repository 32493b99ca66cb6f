"""Crawling the demo portal (TRS style): acceptance 1 (every report, body, year, date and date source, every
attachment), 2 (a no-change poll downloads nothing: 304s), 3 (only a changed report is downloaded again, as a new
version), and politeness (User-Agent, robots.txt, configured hosts only, at most 2 requests at a time)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.demo_portal import DemoPortal, ExpectedDocument, Logged
from crawler.demo_portal.markup import body_html, read_seed
from crawler.demo_portal.pages import trs_article
from crawler.demo_portal.site import NOTICE_ROUTE, seed_text
from crawler.run import CrawlSummary
from tests.crawler.conftest import Workspace, by_route


@dataclass
class TwoCrawls:
    portal: DemoPortal
    workspace: Workspace
    first: CrawlSummary
    first_log: list[Logged]
    second: CrawlSummary
    second_log: list[Logged]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoCrawls]:
    with DemoPortal() as portal:
        workspace = Workspace(tmp_path_factory.mktemp("demo"))
        first = workspace.crawl(portal.config)
        first_log = portal.log
        portal.clear_log()
        second = workspace.crawl(portal.config)
        yield TwoCrawls(portal, workspace, first, first_log, second, portal.log)


def _today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _expected(portal: DemoPortal) -> list[ExpectedDocument]:
    """What a full crawl must find. A report without a date on its page takes the date its column's list shows
    beside the link before its address's (大峪镇) and never the day it was first seen (西坪镇)."""
    listed = {p.body_id: p.list_date for p in portal.site.publications}
    return [
        replace(e, published_on=listed[e.body_id], published_from="list") if e.published_from in ("url", "first_seen") else e
        for e in portal.expected()
    ]


# ------------------------------------------------------------------------------------------------ acceptance 1


def test_first_crawl_finds_every_report_with_body_year_date_and_source(crawled: TwoCrawls) -> None:
    documents = by_route(crawled.workspace.documents(), crawled.portal.base_url)
    expected = _expected(crawled.portal)
    assert sorted(documents) == sorted(e.route for e in expected)
    for item in expected:
        document = documents[item.route]
        assert (document.body_id, document.year, document.published_from) == (item.body_id, item.year, item.published_from), item
        assert str(document.published_on) == (item.published_on or _today()), item
        assert document.status == "active"
        assert document.versions == 1


def test_the_date_sources_cover_the_template_order(crawled: TwoCrawls) -> None:
    sources = {d.published_from for d in crawled.workspace.documents()}
    assert sources == {"PubDate", "visible", "list"}  # url and first_seen: test_list_dates.py, and the clock test below
    xiping = by_route(crawled.workspace.documents(), crawled.portal.base_url)["/zwgk/zfxxgknb/xiping/content_1003.html"]
    assert (str(xiping.published_on), xiping.published_from) == ("2026-01-19", "list")


def test_reports_are_attributed_by_title_and_attachments_inherit_from_their_page(crawled: TwoCrawls) -> None:
    documents = crawled.workspace.documents()
    pages = {d.url: d for d in documents if d.parent_url is None}
    attachments = [d for d in documents if d.parent_url is not None]
    assert {d.body_from for d in pages.values()} == {"title"}
    assert len(attachments) == 2
    for attachment in attachments:
        page = pages[attachment.parent_url or ""]
        assert (attachment.body_id, attachment.published_on, attachment.title) == (page.body_id, page.published_on, page.title)


def test_first_crawl_downloads_every_attachment(crawled: TwoCrawls) -> None:
    documents = by_route(crawled.workspace.documents(), crawled.portal.base_url)
    store = crawled.workspace.store()
    try:
        for item in crawled.portal.expected():
            document = documents[item.route]
            served = crawled.portal.site.resource(item.route)
            assert served is not None
            data = served.path.read_bytes()
            assert document.sha256 == hashlib.sha256(data).hexdigest()
            assert store.blobs.get(document.sha256) == data
            assert document.size == len(data)
            if item.kind == "pdf":
                assert data.startswith(b"%PDF-1.4") and document.content_type == "application/pdf"
            if item.kind == "docx":
                assert data.startswith(b"PK\x03\x04") and (document.content_type or "").endswith("wordprocessingml.document")
    finally:
        store.close()


def test_the_gbk_page_is_stored_as_served(crawled: TwoCrawls) -> None:
    documents = by_route(crawled.workspace.documents(), crawled.portal.base_url)
    gbk = documents["/zwgk/zfxxgknb/jiaohu/content_1004.html"]
    assert gbk.content_type == "text/html; charset=GBK"
    assert gbk.title == "焦虎镇2025年政府信息公开工作年度报告"


def test_no_report_for_the_body_that_has_not_published_and_notices_are_not_reports(crawled: TwoCrawls) -> None:
    assert not [d for d in crawled.workspace.documents() if d.body_id == "shenji"]
    routes = {entry.route for entry in crawled.first_log}
    assert NOTICE_ROUTE not in routes
    assert "/zwgk/zfxxgknb/shenji/202601/t20260105_1006.html" not in routes  # the 信息公开指南 is not fetched


def test_the_run_is_recorded_with_its_numbers(crawled: TwoCrawls) -> None:
    first = crawled.first
    assert (first.status, first.finish_reason, first.errors) == ("finished", "finished", ())
    assert first.new_documents == 7 and first.changed_documents == 0
    assert first.pages == 8  # the county column's two pages and six body columns
    assert first.requests == len(crawled.first_log)
    assert "/zwgk/zfxxgknb/index_1.html" in {entry.route for entry in crawled.first_log}  # the second list page
    assert first.bytes > sum(entry.size for entry in crawled.first_log)  # bodies plus headers


# ------------------------------------------------------------------------------------------------ acceptance 2


def test_a_poll_with_nothing_changed_downloads_nothing(crawled: TwoCrawls) -> None:
    second, log = crawled.second, crawled.second_log
    assert log, "the poll asked nothing"
    assert all(entry.conditional and entry.status == 304 for entry in log), [e for e in log if e.status != 304]
    assert second.requests == second.responses_304 == len(log)
    assert (second.new_documents, second.changed_documents, second.status) == (0, 0, "finished")
    assert second.bytes < crawled.first.bytes / 20
    column_pages = {"/zwgk/zfxxgknb/", "/zwgk/zfxxgknb/index_1.html"}
    assert column_pages <= {entry.route for entry in log}  # the list pages were asked, and answered 304
    assert all(d.versions == 1 for d in crawled.workspace.documents())


def test_column_pages_are_revalidated_from_the_http_cache(crawled: TwoCrawls) -> None:
    cache = crawled.workspace.folder / "httpcache" / "demo"
    headers = [path.read_text(encoding="latin-1") for path in cache.rglob("response_headers")]
    assert len(headers) == 9  # robots.txt and the 8 column pages; documents are not cached
    for text in headers:  # the validators survived the 304s: the next poll is conditional again
        assert "Etag:" in text and "Last-Modified:" in text
    assert crawled.second.pages == crawled.first.pages  # read from the cache after the 304


# ------------------------------------------------------------------------------------------------ acceptance 3


def _fetched(log: list[Logged]) -> list[str]:
    return sorted(entry.route for entry in log if entry.status == 200)


def test_only_a_changed_report_is_downloaded_again_as_a_new_version(portal: DemoPortal, workspace: Workspace) -> None:
    workspace.crawl(portal.config)
    before = by_route(workspace.documents(), portal.base_url)

    portal.clear_log()
    route = portal.edit_report("ciying")
    summary = workspace.crawl(portal.config)
    assert _fetched(portal.log) == [route]
    assert (summary.new_documents, summary.changed_documents, summary.status) == (0, 1, "finished")
    after = by_route(workspace.documents(), portal.base_url)
    assert after[route].versions == 2 and after[route].sha256 != before[route].sha256
    assert (after[route].published_on, after[route].published_from) == (before[route].published_on, "PubDate")
    assert {r: d.sha256 for r, d in after.items() if r != route} == {r: d.sha256 for r, d in before.items() if r != route}
    store = workspace.store()
    try:
        assert store.blobs.has(before[route].sha256 or "")  # the old version's bytes are kept
    finally:
        store.close()

    portal.clear_log()
    attachment = portal.edit_report("dayu", part="attachment")
    summary = workspace.crawl(portal.config)
    assert _fetched(portal.log) == [attachment]  # its page answered 304; the attachment was revalidated on its own
    assert summary.changed_documents == 1
    assert by_route(workspace.documents(), portal.base_url)[attachment].versions == 2


def test_a_new_report_is_found_and_only_changed_lists_are_downloaded(portal: DemoPortal, workspace: Workspace) -> None:
    workspace.crawl(portal.config)
    portal.clear_log()
    route = portal.add_report("shenji", date="2026-02-20")
    summary = workspace.crawl(portal.config)
    assert _fetched(portal.log) == sorted(["/zwgk/zfxxgknb/", "/zwgk/zfxxgknb/index_1.html", "/zwgk/zfxxgknb/shenji/", route])
    assert (summary.new_documents, summary.changed_documents) == (1, 0)
    document = by_route(workspace.documents(), portal.base_url)[route]
    assert (document.body_id, document.year, str(document.published_on), document.published_from) == (
        "shenji",
        2025,
        "2026-02-20",
        "PubDate",
    )


# ------------------------------------------------------------------------------------------------ politeness


def _page(links: list[tuple[str, str]], *, dated: bool = True) -> bytes:
    date = "<span>2026-03-01</span>" if dated else ""
    items = "".join(f'<li><a href="{href}" title="{title}">{title}</a>{date}</li>' for href, title in links)
    return f'<html><head><meta charset="utf-8"><title>县审计局政府信息公开年报</title></head><body><ul class="list">{items}</ul></body></html>'.encode()


def test_polite_and_only_configured_hosts(portal: DemoPortal, workspace: Workspace, tmp_path: Path) -> None:
    title = "演示县审计局2025年政府信息公开工作年度报告"
    port = portal.base_url.rsplit(":", 1)[1]
    portal.add_page(
        "/zwgk/zfxxgknb/shenji/index.html",
        _page(
            [
                ("/admin/preview/t20260301_9.html", title),  # robots.txt forbids /admin/
                (f"http://localhost:{port}/zwgk/zfxxgknb/shenji/t20260301_10.html", title),  # not a configured host
                (f"http://127.0.0.2:{port}/zwgk/zfxxgknb/shenji/t20260301_11.html", title),
                ("ftp://127.0.0.1/report.pdf", title),
            ]
        ),
    )
    for body in ("ciying", "dayu", "xiping", "jiaohu", "qiliying"):
        portal.misbehave(f"/zwgk/zfxxgknb/{body}/", "slow", seconds=0.3)
    summary = workspace.crawl(portal.config)
    log = portal.log
    assert summary.status == "finished"
    assert log[0].route == "/robots.txt"
    assert all(e.user_agent.startswith("nianbao/") and "nianbao-demo@example.invalid" in e.user_agent for e in log)
    assert not [e for e in log if e.route.startswith("/admin/")]
    assert {e.host for e in log} == {f"127.0.0.1:{port}"}
    assert [e["reason"] for e in summary.errors] == ["forbidden by robots.txt"]
    assert portal.server.max_in_flight <= 2


def test_the_crawl_runs_on_the_monitors_clock(portal: DemoPortal, workspace: Workspace) -> None:
    """With an injected clock (the demo's fixed date, a test's) every time the crawl records follows it: the run's
    start and end, each document's first and last sighting, and the date of a report dated by its first sighting."""
    from monitor.clock import FixedClock

    undated = "/zwgk/zfxxgknb/shenji/content_9001.html"  # no date on the page, beside its link or in its address
    title = "演示县审计局2025年政府信息公开工作年度报告"
    article = trs_article(
        title, body_html(read_seed(seed_text("000")), "trs"), source="演示县审计局", pubdate=None, visible_date=None
    )
    portal.add_page(undated, article.encode())
    portal.add_page("/zwgk/zfxxgknb/shenji/index.html", _page([(undated, title)], dated=False))
    at = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
    summary = workspace.crawl(portal.config, clock=FixedClock(at))
    assert not summary.failed
    store = workspace.store()
    try:
        run = store.crawl.run(summary.run_id)
    finally:
        store.close()
    assert run.started_at is not None and run.finished_at is not None
    assert at <= run.started_at.astimezone(UTC) <= run.finished_at.astimezone(UTC) < at + timedelta(minutes=5)
    documents = workspace.documents()
    assert documents and all(
        at <= d.first_seen.astimezone(UTC) <= d.last_seen.astimezone(UTC) < at + timedelta(minutes=5) for d in documents
    )
    dated_by_sighting = [d for d in documents if d.published_from == "first_seen"]
    assert [(d.url, str(d.published_on)) for d in dated_by_sighting] == [(portal.url(undated), "2026-04-02")]
