"""Why a request failed, in words stored with the crawl run (and with the document), and what a failed fetch of a
listed document makes of it.

A listed document (a report page or an attachment) whose fetch fails is one of:

- **rejected** — not taken for its content (larger than the portal's ``max_bytes``); not fetched again while its
  list entry is unchanged;
- **unreachable** — the portal says it is gone (HTTP 404 or 410), or the same URL failed on
  :data:`UNREACHABLE_AFTER` crawls in a row (timeouts, 5xx, refused or dropped connections, redirect loops …);
- **failing** — a failure below that threshold: the document stays as it was and only its count goes up;
- neither, when the request was never sent by our own choice (robots.txt, a host outside the configuration).

Every failed document is asked again only after a back-off: :data:`BACKOFF_FIRST` after its first failure in a
row, doubling with each further failure, at most :data:`BACKOFF_MAX` (1, 2, 4, 8, 16, 30, 30 … days). A fetch that
succeeds (200 or 304) ends the streak.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure

from crawler.middlewares import OUTSIDE
from monitor.store.crawl import FetchFailure

TOO_LARGE = "too large"
REDIRECT_LOOP = "redirect loop"
ROBOTS = "forbidden by robots.txt"
IGNORED = "ignored"
GONE = ("HTTP 404", "HTTP 410")

#: Failed fetches in a row (one per crawl) after which a listed document is unreachable.
UNREACHABLE_AFTER = 3
#: The wait before a failed document is asked again after its first failure in a row; it doubles with each
#: further failure up to :data:`BACKOFF_MAX`.
BACKOFF_FIRST = timedelta(days=1)
BACKOFF_MAX = timedelta(days=30)


def describe(failure: Failure, *, timeout: float, max_bytes: int) -> str:
    """A short English reason for a failed request (``HTTP 500``, ``timed out after 30s``, ``too large …``)."""
    exc = failure.value
    message = str(exc)
    if isinstance(exc, HttpError) and exc.response is not None:
        return f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        if "max redirections" in message:
            return f"{REDIRECT_LOOP} (too many redirects)"
        if "robots.txt" in message.lower():
            return ROBOTS
        if message.startswith(OUTSIDE):
            return OUTSIDE
        return f"{IGNORED}: {message}"[:200]
    if isinstance(exc, DownloadTimeoutError | twisted_error.TimeoutError | twisted_error.TCPTimedOutError | TimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, DownloadCancelledError | defer.CancelledError):
        # Scrapy cancels a download whose announced or received size passes DOWNLOAD_MAXSIZE.
        return f"{TOO_LARGE}: larger than the {max_bytes}-byte limit"
    if isinstance(exc, DownloadConnectionRefusedError | twisted_error.ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, CannotResolveHostError | twisted_error.DNSLookupError):
        return "host not found"
    if isinstance(exc, ResponseDataLossError):
        return "connection closed before the whole response arrived"
    return f"{type(exc).__name__}: {message}"[:200]


def not_taken(reason: str) -> bool:
    """True for reasons that make a document rejected: not taken for its content (too large)."""
    return reason.startswith(TOO_LARGE)


def not_sent(reason: str) -> bool:
    """True for requests we chose not to send (robots.txt, a host outside the configuration): no failure of the
    portal's, nothing recorded for the document."""
    return reason == ROBOTS or reason.startswith((OUTSIDE, IGNORED))


def gone(reason: str) -> bool:
    """True when the portal says the document is not there (HTTP 404, 410): unreachable at once."""
    return reason.startswith(GONE)


def backoff(failures: int) -> timedelta:
    """The wait after the ``failures``-th failed fetch in a row (1 day, 2, 4, 8 … at most 30 days)."""
    doublings = max(0, min(failures - 1, 16))  # 2**16 days is far past the cap; no overflow for huge counts
    wait: timedelta = BACKOFF_FIRST * (1 << doublings)
    return min(wait, BACKOFF_MAX)


def judge(reason: str, earlier_failures: int, now: datetime) -> FetchFailure:
    """What a failed fetch at ``now`` makes of a listed document that had failed ``earlier_failures`` times in a
    row before: the new count, whether it is unreachable, and when to ask again."""
    count = earlier_failures + 1
    return FetchFailure(failures=count, unreachable=gone(reason) or count >= UNREACHABLE_AFTER, retry_after=now + backoff(count))
