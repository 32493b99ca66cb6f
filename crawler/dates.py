"""Publication dates of crawled pages: from the PubDate meta tag, a visible 发布时间, the URL, or the day the crawler
first saw it. Sources are recorded as exactly one of :data:`SOURCES`.

How a date is read from each source is :mod:`documents.dates` (shared with the rules): 成文日期 / 发文日期 are
never publication dates, only the labels 发布时间 / 发布日期 / 公开日期 count (the HTML reader finds those).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from documents.dates import parse_date, url_date

PUBDATE, VISIBLE, URL, FIRST_SEEN = "PubDate", "visible", "url", "first_seen"
SOURCES = (PUBDATE, VISIBLE, URL, FIRST_SEEN)

__all__ = ["FIRST_SEEN", "PUBDATE", "SOURCES", "URL", "VISIBLE", "parse_date", "publication_date", "url_date"]


def publication_date(meta: Mapping[str, str], url: str, first_seen: date) -> tuple[date, str]:
    """The publication date of a page and where it came from, in the order the template fixes:
    ``<meta name="PubDate">``, a visible 发布时间/发布日期/公开日期, a date in the URL, the first time seen."""
    found = parse_date(meta.get("pubdate"))
    if found is not None:
        return found, PUBDATE
    found = parse_date(meta.get("published_text"))
    if found is not None:
        return found, VISIBLE
    found = url_date(url)
    if found is not None:
        return found, URL
    return first_seen, FIRST_SEEN
