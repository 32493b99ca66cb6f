"""The crawler: finds each body's 政府信息公开工作年度报告 on the county portal and stores what it finds.

The only package that imports Scrapy. Public API:

- :func:`crawler.run.crawl_portal` — crawl one portal in a child process with a hard time limit and return a
  :class:`crawler.run.CrawlSummary` read back from the ``crawl_runs`` row;
- :mod:`crawler.demo_portal` — the bundled demo county portal (``serve_demo``, ``DemoPortal``, ``run_crawl_demo``);
- :mod:`crawler.cli` — the ``crawl`` subcommand for ``nianbao``.
"""

from __future__ import annotations

from crawler.run import CrawlSummary, crawl_portal

__all__ = ["CrawlSummary", "crawl_portal"]
