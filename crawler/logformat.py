"""Scrapy's log lines for items name the document, never dump it: an item holds the raw bytes of a file."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter as ScrapyLogFormatter
from scrapy.logformatter import LogFormatterResult


class LogFormatter(ScrapyLogFormatter):
    """The URL of a stored or dropped item instead of its repr."""

    def scraped(self, item: Any, *args: Any, **kwargs: Any) -> LogFormatterResult:
        """ "Stored <url>" for a stored document."""
        result = super().scraped(item, *args, **kwargs)
        result["msg"] = "Stored %(url)s (%(kind)s)"
        result["args"] = {"url": getattr(item, "url", "?"), "kind": type(item).__name__}
        return result

    def dropped(self, item: Any, *args: Any, **kwargs: Any) -> LogFormatterResult:
        """ "Dropped <url>" with the reason."""
        result = super().dropped(item, *args, **kwargs)
        result["msg"] = "Dropped %(url)s: %(exception)s"
        given = result["args"]
        reason = given.get("exception", "") if isinstance(given, dict) else ""
        result["args"] = {"url": getattr(item, "url", "?"), "exception": reason}
        return result

    def item_error(self, item: Any, *args: Any, **kwargs: Any) -> LogFormatterResult:
        """ "Error storing <url>"."""
        result = super().item_error(item, *args, **kwargs)
        result["msg"] = "Error storing %(url)s"
        result["args"] = {"url": getattr(item, "url", "?")}
        return result
