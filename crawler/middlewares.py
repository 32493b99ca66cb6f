"""Downloader middlewares and the cache policy of a portal crawl (their order is set in ``crawler.settings``).

- :class:`ConfiguredHostsMiddleware` (first): a request outside the portal (see :func:`url_allowed`), or not
  http(s), is dropped before anything else sees it — links, redirects, attachments and robots.txt alike.
- :class:`BackoffMiddleware` (after Scrapy's retry): a retried request waits ``base × 2^n`` seconds first.
- :class:`RevalidatingCacheMiddleware` with :class:`RevalidatingPolicy` (Scrapy's HTTP cache, stricter): a cached
  column page is used only when the server says 304. Scrapy's own cache would also serve the old copy when the
  server answers 5xx or the connection fails, which would hide a broken column.
- :class:`WireStatsMiddleware` (last, next to the downloader): requests, bytes and statuses as they crossed the
  network; the cache's 304 → 200 substitution happens above it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extensions.httpcache import RFC2616Policy

from crawler.origins import host_allowed, url_allowed

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

OUTSIDE = "outside the configured domains"
__all__ = ["OUTSIDE", "host_allowed", "url_allowed"]


class ConfiguredHostsMiddleware:
    """Never an address outside what the configuration names."""

    def __init__(self, domains: list[str], origins: list[str], stats: StatsCollector) -> None:
        self.domains = domains
        self.origins = frozenset(origins)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConfiguredHostsMiddleware:
        """Configured from ``NIANBAO_ALLOWED_DOMAINS`` and ``NIANBAO_ALLOWED_ORIGINS``."""
        domains = crawler.settings.getlist("NIANBAO_ALLOWED_DOMAINS")
        if not domains:
            raise NotConfigured("NIANBAO_ALLOWED_DOMAINS is empty")
        assert crawler.stats is not None
        return cls(domains, crawler.settings.getlist("NIANBAO_ALLOWED_ORIGINS"), crawler.stats)

    def process_request(self, request: Request) -> None:
        """Drop the request unless it is within the portal (:func:`url_allowed`)."""
        if not url_allowed(request.url, self.domains, self.origins):
            self.stats.inc_value("nianbao/blocked")
            raise IgnoreRequest(f"{OUTSIDE}: {request.url}")


class BackoffMiddleware:
    """Wait before a retry: ``base × 2^n`` seconds for the n-th retry."""

    def __init__(self, base: float) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        """Configured from ``NIANBAO_RETRY_BACKOFF``."""
        return cls(crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF", 1.0))

    async def process_request(self, request: Request) -> None:
        """Sleep once per retry attempt."""
        retries = int(request.meta.get("retry_times", 0))
        if retries and request.meta.get("nianbao_backoff") != retries:
            request.meta["nianbao_backoff"] = retries
            await asyncio.sleep(self.base * 2**retries)


class RevalidatingPolicy(RFC2616Policy):
    """RFC 2616 caching, but a cached page is valid only when the server answers 304 Not Modified."""

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        """Only a 304 revalidates the cached copy; a 5xx is the server's problem and must be seen."""
        return response.status == 304


class RevalidatingCacheMiddleware(HttpCacheMiddleware):
    """Scrapy's HTTP cache without "error recovery": a failed download is a failure, not the old copy; and a 304
    that confirms the cached copy's validators does not write the copy again.

    Scrapy stores the cached response anew after every 304 (seven files, the body included), to keep the headers
    the 304 refreshed. Every column request here is revalidated (``max-age=0``), so those headers are never read
    for freshness: only the validators matter, and a 304 naming the same ETag and Last-Modified changes nothing.
    """

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Request | Response:
        """A 304 with the cached validators: the cached copy, its headers refreshed in memory only."""
        cached: Response | None = request.meta.get("cached_response")
        if (
            cached is not None
            and response.status == 304
            and not request.meta.get("dont_cache", False)
            and "cached" not in response.flags
            and all(_header(response, name) in (None, _header(cached, name)) for name in _VALIDATORS)
        ):
            request.meta.pop("cached_response")
            self.stats.inc_value("httpcache/revalidate")
            self._freshen_cached_response(cached, response)
            return cached
        return super().process_response(request, response)

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        """Forget the cached copy and let the error through."""
        request.meta.pop("cached_response", None)


_VALIDATORS = (b"ETag", b"Last-Modified")


def _header(response: Response, name: bytes) -> bytes | None:
    value = response.headers.get(name)
    return bytes(value) if value else None


class WireStatsMiddleware:
    """Counts what crossed the network: ``nianbao/requests``, ``nianbao/bytes``, ``nianbao/status/<code>``."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WireStatsMiddleware:
        """Counting into the crawler's stats."""
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        """One request sent."""
        self.stats.inc_value("nianbao/requests")

    def process_response(self, request: Request, response: Response) -> Response:
        """The status and size (headers and body) of what came back."""
        headers = sum(len(k) + sum(len(v) + 4 for v in values) for k, values in response.headers.items())
        self.stats.inc_value("nianbao/bytes", headers + len(response.body) + 17)
        self.stats.inc_value(f"nianbao/status/{response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        """A failed download."""
        self.stats.inc_value("nianbao/failed")
        return None
