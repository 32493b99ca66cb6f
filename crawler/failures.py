"""Why a request failed, in words stored with the crawl run (and with a rejected document)."""

from __future__ import annotations

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

TOO_LARGE = "too large"
REDIRECT_LOOP = "redirect loop"
ROBOTS = "forbidden by robots.txt"


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
        return f"ignored: {message}"[:200]
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


def permanent(reason: str) -> bool:
    """True for reasons that make a document rejected (not worth fetching again unchanged)."""
    return reason.startswith((TOO_LARGE, REDIRECT_LOOP, "HTTP 404", "HTTP 410"))
