"""Column health: a configured column that answers but lists no report, where the previous finished run of the
portal listed at least three, fails the run ("column empty") instead of reading as bodies that published nothing.
The counts of every column are kept with the run and handed to the next crawl. The verdict on its own, the job file
that carries the counts to the crawl child, and real crawls of the demo portal over 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.pages import trs_column
from crawler.health import EMPTY_AFTER, TIME_LIMIT, CrawlHealth, empty_reason
from crawler.job import CrawlJob
from monitor.store import CrawlStats
from tests.crawler.conftest import Workspace

A = "http://127.0.0.1:9/zwgk/nb/"
B = "http://127.0.0.1:9/zwgk/nb/ciying/"
C = "http://127.0.0.1:9/zwgk/nb/jiaohu/"


def _health(previous: dict[str, int], listed: dict[str, int]) -> CrawlHealth:
    """Columns A and B reached, C failed with 404; ``listed`` report entries under each."""
    health = CrawlHealth(previous_counts=previous)
    for url in (A, B, C):
        health.expect_column(url)
    health.column_reached(A)
    health.column_reached(B)
    health.column_failed(C, "HTTP 404")
    for url, count in listed.items():
        for _ in range(count):
            health.listed(url)
    health.close_reason = "finished"
    return health


def test_a_column_that_lists_nothing_where_there_were_many_fails_the_run() -> None:
    health = _health({A: 12, B: 5, C: 7}, {A: 9})
    failed, reason = health.verdict()
    assert failed
    assert reason == f"column unavailable: {B}: column empty: listed 0 reports, the last run listed 5 (+1 more)"
    assert [e for e in health.errors if e["kind"] == "column"] == [
        {"kind": "column", "url": C, "reason": "HTTP 404"},
        {"kind": "column", "url": B, "reason": empty_reason(5)},
    ]
    # The counts kept with the run: every column reached (none listed is 0), not the one that failed.
    assert health.stats({}).column_counts == {A: 9, B: 0}
    assert health.verdict() == (failed, reason) and len(health.errors) == 2  # judging again adds nothing


def test_a_column_that_listed_few_or_still_lists_some_is_fine() -> None:
    assert EMPTY_AFTER == 3
    health = CrawlHealth(previous_counts={A: 2, B: 40})
    for url in (A, B):
        health.expect_column(url)
        health.column_reached(url)
    health.listed(B)  # 40 → 1: fewer, but not gone
    assert health.verdict() == (False, "finished")
    assert health.stats({}).column_counts == {A: 0, B: 1}
    assert CrawlHealth().stats({}).column_counts == {}  # nothing configured, nothing counted


def test_without_previous_counts_or_when_the_crawl_itself_failed_an_empty_column_is_not_judged() -> None:
    assert _health({}, {}).empty_columns() == []  # a first crawl, or a run before column counts were kept
    broken = _health({B: 12}, {})
    broken.internal_errors = 1  # the list page may have been lost to the crawler's own error
    assert broken.empty_columns() == []
    assert broken.verdict() == (True, f"column unavailable: {C}: HTTP 404")
    late = _health({B: 12}, {})
    late.close_reason = "closespider_timeout"  # cut short: the column's later pages were never read
    assert late.verdict() == (True, TIME_LIMIT) and late.empty_columns() == []


def test_the_job_carries_the_previous_counts_to_the_crawl_child(portal: DemoPortal) -> None:
    config = portal.config
    job = CrawlJob(
        run_id=3,
        portal=config.portals[0],
        bodies=config.bodies,
        timezone=config.timezone,
        database_url="sqlite://",
        blobs_dir="/tmp/blobs",
        cache_dir="/tmp/cache",
        time_limit=60,
        previous_counts={A: 12, B: 0},
    )
    assert CrawlJob.from_json(job.to_json()) == job
    older = job.to_json().replace('"previous_counts"', '"ignored"')  # a job file written before counts existed
    assert CrawlJob.from_json(older).previous_counts == {}


def test_a_real_crawl_keeps_the_counts_and_a_column_found_empty_fails_the_next(portal: DemoPortal, workspace: Workspace) -> None:
    config = portal.config
    configured = [*config.portals[0].start_urls, *(b.column for b in config.bodies if b.column)]
    first = workspace.crawl(config)
    assert first.status == "finished"
    assert first.column_counts is not None and set(first.column_counts) == set(configured)
    again = workspace.crawl(config)  # nothing changed: whatever was listed is listed again
    assert again.status == "finished" and again.column_counts == first.column_counts

    # The audit office's column is emptied; the last finished run counted five reports there (seeded: the counts a
    # crawl keeps are the spider's business, the verdict on them this module's).
    shenji = next(b.column for b in config.bodies if b.id == "shenji")
    assert shenji is not None
    store = workspace.store()
    try:
        at = datetime.now(UTC)  # after the crawls above: the latest finished run
        seeded = store.crawl.start_run("demo", at)
        counts = dict(first.column_counts) | {shenji: 5}
        store.crawl.finish_run(seeded, at, CrawlStats(column_counts=counts), failed=False, reason="finished")
    finally:
        store.close()
    route = shenji.removeprefix(portal.base_url)
    portal.add_page(route + "index.html", trs_column("审计局", [], [], page=0, pages=1).encode("utf-8"))
    empty = workspace.crawl(config)
    assert empty.status == "failed"
    assert empty.finish_reason == f"column unavailable: {shenji}: column empty: listed 0 reports, the last run listed 5"
    assert empty.column_counts is not None and empty.column_counts[shenji] == 0
    # Still empty on the next crawl: judged against the last finished run, so it keeps failing until fixed.
    assert workspace.crawl(config).status == "failed"
