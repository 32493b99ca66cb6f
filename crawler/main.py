"""The crawl child: ``python -m crawler.main --job FILE`` crawls one portal and records the run.

Twisted's reactor cannot be restarted, so every crawl is a process of its own (started by
:func:`crawler.run.crawl_portal`, which also enforces the hard time limit). The run row already exists; this
process fills in its statistics and how it ended.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from crawler.health import CrawlHealth
from crawler.job import CrawlJob
from crawler.settings import crawl_settings
from crawler.spiders.portal import PortalSpider
from monitor.store import CrawlStats, Store


def crawl(job: CrawlJob) -> tuple[bool, str]:
    """Run the crawl of ``job`` in this process (once per process) and record the run; (failed, reason)."""
    store = Store.open(job.database_url, job.blobs_dir)
    health = CrawlHealth(previous_counts=dict(job.previous_counts))
    try:
        process = CrawlerProcess(crawl_settings(job))
        crawler = process.create_crawler(PortalSpider)

        def spider_error(failure: Any, response: Any, **_: Any) -> None:
            health.internal_errors += 1
            health.error("crawler", getattr(response, "url", ""), f"{type(failure.value).__name__}: {failure.value}"[:200])

        def item_error(item: Any, response: Any, failure: Any, **_: Any) -> None:
            health.internal_errors += 1
            health.error("store", getattr(item, "url", ""), f"{type(failure.value).__name__}: {failure.value}"[:200])

        def spider_closed(reason: str, **_: Any) -> None:
            health.close_reason = reason

        crawler.signals.connect(spider_error, signal=signals.spider_error)
        crawler.signals.connect(item_error, signal=signals.item_error)
        crawler.signals.connect(spider_closed, signal=signals.spider_closed)
        process.crawl(crawler, job=job, store=store, health=health)
        process.start()
        failed, reason = health.verdict()
        wire = crawler.stats.get_stats() if crawler.stats is not None else {}
        store.crawl.finish_run(job.run_id, job.now(), health.stats(wire), failed=failed, reason=reason)
        return failed, reason
    except Exception as exc:
        reason = f"crawler error: {type(exc).__name__}: {exc}"[:200]
        store.crawl.finish_run(job.run_id, job.now(), CrawlStats(errors=health.errors), failed=True, reason=reason)
        raise
    finally:
        store.close()


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to end this crawl when the process that started it dies.

    A service killed with SIGKILL must not leave a crawl running on its own: the restarted service would
    crawl the same portal at the same time. SIGTERM lets Scrapy stop cleanly.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = os.environ.get("NIANBAO_PARENT_PID")
    if parent and parent.isdigit() and os.getppid() != int(parent):
        sys.exit(3)  # the parent died before the request above took effect


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the crawl child."""
    die_with_parent()
    parser = argparse.ArgumentParser(prog="python -m crawler.main", description="crawl one portal (child process)")
    parser.add_argument("--job", required=True, help="the job file written by crawler.run.crawl_portal")
    args = parser.parse_args(argv)
    job = CrawlJob.from_json(Path(args.job).read_text(encoding="utf-8"))
    failed, reason = crawl(job)
    print(f"run {job.run_id}: {'failed' if failed else 'finished'} ({reason})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
