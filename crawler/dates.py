"""Publication dates: from the PubDate meta tag, a visible 发布时间, the URL, or the day the crawler first saw it.

Sources are recorded as exactly one of :data:`SOURCES`. 成文日期 / 发文日期 are never publication dates: only the
labels 发布时间 / 发布日期 / 公开日期 count (the HTML reader finds those, see ``documents.html``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

PUBDATE, VISIBLE, URL, FIRST_SEEN = "PubDate", "visible", "url", "first_seen"
SOURCES = (PUBDATE, VISIBLE, URL, FIRST_SEEN)

_DATE = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"^(20\d{2})(\d{2})(\d{2})(?:\d{4,6})?$")
# TRS: /202601/t20260117_123.html; Hanweb: /art/2026/1/17/art_…; generic /2026/01/17/ or /2026-01-17/.
_URL_DAY = (
    re.compile(r"[/_]t(20\d{2})(\d{2})(\d{2})_"),
    re.compile(r"/art/(20\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/(20\d{2})[/-](\d{1,2})[/-](\d{1,2})/"),
)
# /202601/: a month only. Its first day is taken: never later than the real date, so never a false "late".
_URL_MONTH = re.compile(r"/(20\d{2})(0[1-9]|1[0-2])/")


def _valid(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """The date in a PubDate value or a visible date: ``2026-01-20 10:00``, ``2026/01/20``, ``2026年1月20日``,
    ``20260120`` …; None when there is none."""
    if not text:
        return None
    found = _DATE.search(text)
    if found:
        return _valid(*found.groups())
    compact = _COMPACT_DATE.match(text.strip())
    return _valid(*compact.groups()) if compact else None


def url_date(url: str) -> date | None:
    """The publication date a portal writes into an article URL, if any."""
    for pattern in _URL_DAY:
        found = pattern.search(url)
        if found:
            day = _valid(*found.groups())
            if day is not None:
                return day
    month = _URL_MONTH.search(url)
    return _valid(month.group(1), month.group(2), "1") if month else None


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
