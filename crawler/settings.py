"""The Scrapy settings of a portal crawl, declared in one place.

Rules:

- Polite by default: robots.txt obeyed, AutoThrottle on, at most ``portal.concurrency`` (≤ 2) requests at a time
  per domain, ``portal.download_delay`` between them, a User-Agent naming nianbao and the configured contact,
  retries with exponential back-off, a time limit per crawl, ``portal.max_bytes`` per download.
- Only the configured portal: Scrapy's offsite filter (host names), and before it our own guard on every request
  (redirects, attachments and robots.txt included): the hosts of ``allowed_domains`` on the origins the
  configuration names or the standard ports (:mod:`crawler.origins`).
- A crawl that reaches its time limit records its run: the spider closes itself early enough to wait out the
  downloads in flight (:func:`crawl_deadlines`) before the parent kills it.
- Incremental: column pages go through the HTTP cache with ``RFC2616Policy``; every column request carries
  ``Cache-Control: max-age=0`` and ``no-cache`` in responses is ignored, so every column request is conditional
  (If-None-Match / If-Modified-Since) and an unchanged page answers 304. Documents bypass the cache: their
  validators are kept in the store and sent by the spider.
- Counted on the wire: requests, bytes and 304s are counted next to the downloader, not from the cache's view.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crawler.job import CrawlJob
from crawler.origins import portal_origins

VERSION = "0.1"
RETRY_TIMES = 2
RETRY_BACKOFF_MIN = 0.1  # seconds; the base is the portal's download delay, but never below this
REDIRECT_MAX_TIMES = 5
AUTOTHROTTLE_MAX_DELAY = 60.0
SOFT_LIMIT_MARGIN = 0.1  # the spider closes itself at least this share (2–30 s) before the parent's hard limit
#: Seconds the child needs beside its downloads: starting (imports, opening the store) and, once the spider has
#: closed, recording the run.
CLOSE_DOWN_SECONDS = 5.0


#: Our components and where they sit among Scrapy's (imported ahead of the crawls by :mod:`crawler.zygote`).
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "crawler.middlewares.ConfiguredHostsMiddleware": 40,
    "crawler.middlewares.BackoffMiddleware": 560,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "crawler.middlewares.RevalidatingCacheMiddleware": 900,
    "crawler.middlewares.WireStatsMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
EXTENSIONS: dict[str, int | None] = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.RevalidatingAutoThrottle": 0,
}
HTTPCACHE_POLICY = "crawler.middlewares.RevalidatingPolicy"
LOG_FORMATTER = "crawler.logformat.LogFormatter"
COMPONENTS = (*DOWNLOADER_MIDDLEWARES, *ITEM_PIPELINES, *EXTENSIONS, HTTPCACHE_POLICY, LOG_FORMATTER)


def user_agent(contact: str) -> str:
    """``nianbao/0.1 (+government disclosure annual report monitor; contact: …)``, ASCII only."""
    clean = re.sub(r"[^\x21-\x7e]+", "", contact) or "unknown"
    return f"nianbao/{VERSION} (+government disclosure annual report monitor; contact: {clean})"


def soft_time_limit(hard_limit: float) -> float:
    """When the spider closes itself, given the parent's hard limit, leaving no room for downloads in flight (see
    :func:`crawl_deadlines` for a crawl's)."""
    margin = min(30.0, max(2.0, hard_limit * SOFT_LIMIT_MARGIN))
    return max(1.0, hard_limit - margin)


def crawl_deadlines(hard_limit: float, download_timeout: float) -> tuple[float, float]:
    """(when the spider closes itself, the download timeout) of a crawl the parent kills at ``hard_limit``.

    A closing spider waits for the downloads in flight (at most the download timeout each; they run side by
    side) and then records the run, so it must close at least the download timeout plus
    :data:`CLOSE_DOWN_SECONDS` before the kill. When the limit is too short for the portal's timeout, the
    timeout is shortened to half of what is left.
    """
    timeout = min(float(download_timeout), max(1.0, (hard_limit - CLOSE_DOWN_SECONDS) / 2))
    margin = max(hard_limit - soft_time_limit(hard_limit), timeout + CLOSE_DOWN_SECONDS)
    return max(1.0, hard_limit - margin), timeout


def crawl_settings(job: CrawlJob) -> dict[str, Any]:
    """The settings for crawling ``job.portal``."""
    portal = job.portal
    return {
        "BOT_NAME": "nianbao",
        "USER_AGENT": user_agent(portal.contact),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "nianbao",
        "CONCURRENT_REQUESTS": portal.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": portal.concurrency,
        "DOWNLOAD_DELAY": portal.download_delay,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(portal.download_delay, 0.0),
        "AUTOTHROTTLE_MAX_DELAY": AUTOTHROTTLE_MAX_DELAY,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(portal.concurrency),
        "DOWNLOAD_TIMEOUT": job.timeout(),
        "DOWNLOAD_MAXSIZE": portal.max_bytes,
        "DOWNLOAD_WARNSIZE": max(portal.max_bytes // 2, 1),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        "NIANBAO_RETRY_BACKOFF": max(portal.download_delay, RETRY_BACKOFF_MIN),
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "CLOSESPIDER_TIMEOUT": job.time_limit,
        "COOKIES_ENABLED": False,
        # Scrapy reads the source of a callback (inspect + ast, ~4 ms) for every response to warn about a generator
        # returning a value: its cache is keyed by the bound method, made anew for each request. Our callbacks
        # return nothing (tests/crawler/test_speed_settings.py checks them once).
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "TELNETCONSOLE_ENABLED": False,  # no listening ports in a crawler
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_FORMATTER": LOG_FORMATTER,
        "LOG_LEVEL": job.log_level,
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_DIR": str(Path(job.cache_dir).resolve() / portal.id),
        "HTTPCACHE_POLICY": HTTPCACHE_POLICY,
        "HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS": ["no-cache"],
        "HTTPCACHE_EXPIRATION_SECS": 0,
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "ITEM_PIPELINES": dict(ITEM_PIPELINES),
        "EXTENSIONS": dict(EXTENSIONS),
        "NIANBAO_ALLOWED_DOMAINS": list(portal.allowed_domains),
        "NIANBAO_ALLOWED_ORIGINS": portal_origins(job.configured_urls()),
    }
