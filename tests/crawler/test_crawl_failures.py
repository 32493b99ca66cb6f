"""Acceptance 4: a portal that answers 500, times out, redirects in a loop, moves or loses its 年报 column, or
serves a 2 GB file → the run is recorded as failed (or the document as rejected) with the reason; nothing else is
affected. And the crawl's hard time limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.demo_portal import DemoPortal
from crawler.demo_portal import pages as demo_pages
from monitor.clock import FixedClock
from monitor.store.models import Event
from tests.crawler.conftest import Workspace, by_route, with_portal

COLUMN = "/zwgk/zfxxgknb/"
PDF = "/zwgk/zfxxgknb/xiping/W020260119_1003.pdf"
DOCX = "/zwgk/zfxxgknb/dayu/202601/P020260123384756291847.docx"
PAGE = "/zwgk/zfxxgknb/ciying/202601/t20260120_1001.html"


def _failed_events(workspace: Workspace) -> list[dict[str, object]]:
    store = workspace.store()
    try:
        with store.db.transaction() as session:
            return [e.data for e in session.scalars(select(Event).where(Event.kind == "crawl.failed"))]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "HTTP 500"),
        ("redirect-loop", "redirect loop"),
        ("gone", "HTTP 404"),
        ("moved", "moved: redirected to"),
    ],
)
def test_a_broken_column_fails_the_run_and_the_other_columns_are_still_read(
    portal: DemoPortal, workspace: Workspace, mode: str, reason: str
) -> None:
    portal.misbehave(COLUMN, mode)
    summary = workspace.crawl(portal.config)
    assert summary.status == "failed"
    assert summary.finish_reason is not None
    assert summary.finish_reason.startswith(f"column unavailable: {portal.url(COLUMN)}: {reason}")
    assert [e["kind"] for e in summary.errors] == ["column"]
    assert summary.new_documents == 7  # every body's own column still led to its report
    assert [e["run"] for e in _failed_events(workspace)] == [summary.run_id]
    if mode == "redirect-loop":
        assert len([e for e in portal.log if e.route.startswith(COLUMN + "?") or e.route == COLUMN]) <= 6
    if mode == "error":  # the portal recovers: the next crawl is fine again
        portal.behave()
        again = workspace.crawl(portal.config)
        assert (again.status, again.new_documents) == ("finished", 0)


def test_a_column_that_says_not_found_is_a_crawl_problem(portal: DemoPortal, workspace: Workspace) -> None:
    portal.add_page(COLUMN + "index.html", demo_pages.NOT_FOUND.encode())
    summary = workspace.crawl(portal.config)
    assert summary.status == "failed"
    assert "soft 404" in (summary.finish_reason or "")


def test_a_missing_body_column_is_a_crawl_problem_not_silence(portal: DemoPortal, workspace: Workspace) -> None:
    portal.misbehave("/zwgk/zfxxgknb/shenji/", "gone")
    summary = workspace.crawl(portal.config)
    assert summary.status == "failed"
    assert summary.finish_reason == f"column unavailable: {portal.url('/zwgk/zfxxgknb/shenji/')}: HTTP 404"


def test_a_cached_column_that_now_answers_500_is_not_hidden_by_the_cache(portal: DemoPortal, workspace: Workspace) -> None:
    assert workspace.crawl(portal.config).status == "finished"
    portal.misbehave(COLUMN, "error")
    summary = workspace.crawl(portal.config)
    assert summary.status == "failed"
    assert "HTTP 500" in (summary.finish_reason or "")
    assert len([e for e in portal.log if e.route == COLUMN and e.status == 500]) == 3  # the request and 2 retries


def test_a_column_that_times_out_fails_after_retries_with_back_off(portal: DemoPortal, workspace: Workspace) -> None:
    portal.misbehave(COLUMN, "slow", seconds=4)
    summary = workspace.crawl(with_portal(portal.config, timeout=1))
    assert summary.status == "failed"
    assert summary.finish_reason == f"column unavailable: {portal.url(COLUMN)}: timed out after 1s"
    assert summary.new_documents == 7


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_2gb_attachment_is_rejected_and_nothing_else_is_affected(portal: DemoPortal, workspace: Workspace, mode: str) -> None:
    portal.misbehave(PDF, mode)
    summary = workspace.crawl(portal.config)
    assert (summary.status, summary.new_documents) == ("finished", 6)
    assert [(e["kind"], e["reason"]) for e in summary.errors] == [("document", "too large: larger than the 5242880-byte limit")]
    documents = by_route(workspace.documents(), portal.base_url)
    assert (documents[PDF].status, documents[PDF].sha256) == ("rejected", None)
    assert (documents[PDF].reject_reason or "").startswith("too large")
    assert all(d.status == "active" for route, d in documents.items() if route != PDF)
    streamed = [e for e in portal.log if e.route == PDF]
    assert len(streamed) == 1 and streamed[0].size < 16 * 1024**2  # the crawler hung up early
    if mode == "endless":
        return
    portal.clear_log()
    again = workspace.crawl(portal.config)
    assert PDF not in {e.route for e in portal.log}  # a rejected, unchanged entry is not downloaded again
    assert again.status == "finished"


def test_a_document_answering_500_is_an_error_of_the_run_not_a_failure(portal: DemoPortal, workspace: Workspace) -> None:
    """The run finishes; the report is kept as listed (its body and year from its list entry), not fetched, and
    asked again once its back-off (a day) has passed. Dead links at length: test_dead_links.py."""
    clock = FixedClock(datetime(2026, 2, 2, 1, 0, tzinfo=UTC))
    portal.misbehave(PAGE, "error")
    summary = workspace.crawl(portal.config, clock=clock)
    assert (summary.status, summary.new_documents, summary.unreachable_documents) == ("finished", 6, 1)
    assert [(e["kind"], e["reason"]) for e in summary.errors] == [("document", "HTTP 500")]
    listed = by_route(workspace.documents(), portal.base_url)[PAGE]
    assert (listed.status, listed.sha256, listed.failures, listed.body_id, listed.year) == ("active", None, 1, "ciying", 2025)
    portal.behave()
    clock.advance(days=1, minutes=5)
    again = workspace.crawl(portal.config, clock=clock)
    assert (again.new_documents, again.unreachable_documents, again.errors) == (1, 0, ())
    fetched = by_route(workspace.documents(), portal.base_url)[PAGE]
    assert (fetched.status, fetched.failures, fetched.retry_after, fetched.published_from) == ("active", 0, None, "PubDate")


@pytest.mark.parametrize("limit", [1, 4])
def test_the_time_limit_ends_the_crawl_and_fails_the_run(portal: DemoPortal, workspace: Workspace, limit: int) -> None:
    """1 s: the parent kills the child's process group; 4 s: the spider closes itself first."""
    portal.misbehave(COLUMN, "slow", seconds=60)
    summary = workspace.crawl(portal.config, time_limit=limit)
    assert (summary.status, summary.finish_reason) == ("failed", "time limit")
    assert summary.seconds < limit + 3
    assert [e["reason"] for e in _failed_events(workspace)] == ["time limit"]


def test_a_crawl_at_its_time_limit_closes_itself_and_keeps_its_counters(portal: DemoPortal, workspace: Workspace) -> None:
    """A body's column hangs past the download timeout: the spider closes itself early enough to wait out the
    download in flight and record the run's counters (requests, pages) before the parent's kill."""
    portal.misbehave("/zwgk/zfxxgknb/shenji/", "slow", seconds=60)
    limit = 20
    summary = workspace.crawl(portal.config, time_limit=limit)
    assert (summary.status, summary.finish_reason) == ("failed", "time limit")
    assert summary.requests >= 3 and summary.pages >= 1 and summary.new_documents >= 1, summary
    assert [e for e in summary.errors if e.get("kind") == "run"] == []  # recorded by the child, not abandoned
    assert "closespider_timeout" in (workspace.folder / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert summary.seconds < limit + 3


def test_the_close_down_margin_covers_the_download_timeout() -> None:
    from crawler.settings import CLOSE_DOWN_SECONDS, crawl_deadlines

    for hard, timeout in ((900, 30), (120, 60), (20, 10), (60, 30), (4, 10), (1, 30)):
        soft, effective = crawl_deadlines(hard, timeout)
        assert effective <= timeout and soft >= 1
        if hard >= 2 + CLOSE_DOWN_SECONDS + 2:  # room enough to crawl at all
            assert soft + effective + CLOSE_DOWN_SECONDS <= hard, (hard, timeout)
    assert crawl_deadlines(900, 30) == (865.0, 30.0)


def test_the_folder_of_a_crawl_whose_parent_was_killed_is_removed_by_the_next_crawl(portal: DemoPortal, tmp_path: Path) -> None:
    """The process that runs crawl_portal is killed with SIGKILL while its crawl child waits on a slow column, so
    it never removes the crawl's temporary folder; the next crawl does (its parent is dead), and leaves alone the
    folder of a crawl whose parent is alive."""
    portal.misbehave(COLUMN, "slow", seconds=60)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    database, blobs = f"sqlite:///{tmp_path / 'nianbao.db'}", str(tmp_path / "blobs")
    config = portal.write_config(tmp_path / "nianbao.yaml", database=database, blobs="blobs")
    environment = dict(os.environ, TMPDIR=str(temporary))
    script = "import sys; from crawler.run import crawl_portal; crawl_portal(sys.argv[1], 'demo', sys.argv[2], sys.argv[3])"
    command = [sys.executable, "-c", script, str(config), database, blobs]
    parent = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any("Spider opened" in log.read_text(errors="replace") for log in tmp_path.glob("logs/crawl-demo-*.log")):
            assert time.monotonic() < deadline, "the crawl child never started"
            time.sleep(0.1)
    finally:
        parent.kill()
        parent.wait()
    [left] = temporary.glob("nianbao-crawl-*")
    running = temporary / "nianbao-crawl-running"  # a live crawl's folder (this test's process is its parent)
    running.mkdir()
    (running / "parent.pid").write_text(str(os.getpid()), encoding="ascii")
    portal.behave()
    assert subprocess.run(command, check=False, env=environment, timeout=120).returncode == 0
    assert not left.exists()
    assert running.exists()
