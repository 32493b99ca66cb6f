"""What makes a poll where nothing changed cheap (issue 16), each checked once here rather than paid per request:
the spider's callbacks return no value (so Scrapy's per-response source check is off), AutoThrottle aims at the
portal's own concurrency, a 304 confirming a cached column page does not rewrite the HTTP cache, and the
documents' sightings are all recorded though written in batches."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.misc import is_generator_with_return_value

from crawler.demo_portal import DemoPortal
from crawler.job import CrawlJob
from crawler.settings import crawl_settings
from crawler.spiders.portal import PortalSpider
from monitor.clock import FixedClock
from tests.crawler.conftest import Workspace, with_portal


def test_the_callbacks_return_no_value_so_scrapys_check_of_each_response_is_off() -> None:
    for callback in (PortalSpider.parse_list, PortalSpider.parse_document, PortalSpider.failed):
        assert not is_generator_with_return_value(callback), callback.__name__


def test_autothrottle_aims_at_the_portals_concurrency_and_never_beyond(portal: DemoPortal) -> None:
    for concurrency in (1, 2):
        config = with_portal(portal.config, concurrency=concurrency, download_delay=0.5)
        job = CrawlJob(1, config.portals[0], config.bodies, "Asia/Shanghai", "sqlite://", "/tmp/b", "/tmp/c", 100.0)
        settings = crawl_settings(job)
        assert settings["WARN_ON_GENERATOR_RETURN_VALUE"] is False
        assert settings["AUTOTHROTTLE_TARGET_CONCURRENCY"] == concurrency
        assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == settings["CONCURRENT_REQUESTS"] == concurrency
        assert settings["DOWNLOAD_DELAY"] == settings["AUTOTHROTTLE_START_DELAY"] == 0.5


def cache_files(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def test_a_304_for_a_cached_column_page_does_not_rewrite_the_cache(portal: DemoPortal, workspace: Workspace) -> None:
    assert workspace.crawl(portal.config).status == "finished"
    before = cache_files(workspace.folder / "httpcache")
    assert before
    unchanged = workspace.crawl(portal.config)
    assert unchanged.requests == unchanged.responses_304
    assert cache_files(workspace.folder / "httpcache") == before
    portal.add_report("ciying")  # the column pages list it: they change, and the cache takes the new copies
    changed = workspace.crawl(portal.config)
    assert changed.new_documents == 1
    after = cache_files(workspace.folder / "httpcache")
    assert sorted(after) == sorted(before) and after != before
    again = workspace.crawl(portal.config)
    assert (again.requests, again.new_documents) == (again.responses_304, 0)


def test_every_document_still_listed_is_marked_seen_by_a_poll(portal: DemoPortal, workspace: Workspace) -> None:
    clock = FixedClock(datetime(2026, 2, 2, 1, 0, tzinfo=UTC))
    workspace.crawl(portal.config, clock=clock)
    clock.advance(days=1)
    workspace.crawl(portal.config, clock=clock)
    documents = workspace.documents()
    assert len(documents) == 7
    assert all(d.last_seen.replace(tzinfo=UTC) >= datetime(2026, 2, 3, 1, 0, tzinfo=UTC) for d in documents)
    assert all(d.first_seen.replace(tzinfo=UTC) < datetime(2026, 2, 3, tzinfo=UTC) for d in documents)
