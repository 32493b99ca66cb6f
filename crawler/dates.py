"""Publication dates of crawled documents: from the PubDate meta tag, a visible 发布时间, the date the column's list
shows beside the link, the URL, or the day the crawler first saw it. Sources are recorded as exactly one of
:data:`SOURCES`, best first.

How a date is read from each source is :mod:`documents.dates` (shared with the rules): 成文日期 / 发文日期 are
never publication dates, only the labels 发布时间 / 发布日期 / 公开日期 count (the HTML reader finds those).

The day first seen is only an upper bound. A document stored with it takes a real source's date when a later
fetch or listing brings one; a real source's date is kept once stored (see ``CrawlStore.record``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from documents.dates import FIRST_SEEN, parse_date, url_date

PUBDATE, VISIBLE, LIST, URL = "PubDate", "visible", "list", "url"
SOURCES = (PUBDATE, VISIBLE, LIST, URL, FIRST_SEEN)

__all__ = [
    "FIRST_SEEN",
    "LIST",
    "PUBDATE",
    "SOURCES",
    "URL",
    "VISIBLE",
    "inherited_date",
    "parse_date",
    "publication_date",
    "url_date",
]


def publication_date(meta: Mapping[str, str], url: str, first_seen: date, list_date: date | None = None) -> tuple[date, str]:
    """The publication date of a listed document and where it came from, best source first:
    ``<meta name="PubDate">``, a visible 发布时间/发布日期/公开日期, the date beside its link on the column's list,
    a date in the URL, the day first seen."""
    found = parse_date(meta.get("pubdate"))
    if found is not None:
        return found, PUBDATE
    found = parse_date(meta.get("published_text"))
    if found is not None:
        return found, VISIBLE
    if list_date is not None:
        return list_date, LIST
    found = url_date(url)
    if found is not None:
        return found, URL
    return first_seen, FIRST_SEEN


def inherited_date(parent: tuple[date, str], url: str) -> tuple[date, str]:
    """The publication date of an attachment: its page's, unless the page has only the day first seen and the
    attachment's own address gives a day (a TRS upload ``W020260119…``)."""
    if parent[1] != FIRST_SEEN:
        return parent
    found = url_date(url)
    return (found, URL) if found is not None else parent
