"""Dates as reports and portal pages write them: one definition for the crawler and the rules.

- a date in text: ``2026-01-20``, ``2026/1/20 10:00``, ``2026年1月20日``, ``2026.01.20``, and ``20260120`` alone;
- a publication date shown on a page: only after the labels 发布时间 / 发布日期 / 公开日期 (never 成文日期,
  公文生成日期 or 发文日期, which are other dates);
- a publication date written into an article's address by the portal system (TRS ``t20260117_``, Hanweb
  ``/art/2026/1/17/``, ``/2026/01/17/``, the day a file was uploaded to TRS in its name (``W020260119…``: W0,
  the day, a serial), a month only in ``/202601/``);
- the statistical period of a report: 1 January to 31 December of one year, as the preamble states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: The publication-date source that is no publication date: the day the crawler first saw the document. It is
#: an upper bound only: a report first seen after its deadline may still have been published in time.
FIRST_SEEN = "first_seen"

_YEAR = r"(?:19|20)\d{2}"
#: A date in text, its parts captured (year, month, day).
DATE = re.compile(rf"({_YEAR})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})")
_COMPACT = re.compile(rf"^({_YEAR})(\d{{2}})(\d{{2}})(?:\d{{4,6}})?$")
#: A labelled publication date on a page: the date as written (with its time, if any) is group 1.
PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|公开日期)\s*[:：]?\s*[\[【(（]?\s*"
    rf"({_YEAR}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}\s*日?(?:\s*\d{{1,2}}\s*[:：]\s*\d{{2}}(?:\s*[:：]\s*\d{{2}})?)?)"
)
_URL_DAY = (
    re.compile(rf"[/_]t({_YEAR})(\d{{2}})(\d{{2}})_"),
    re.compile(rf"/art/({_YEAR})/(\d{{1,2}})/(\d{{1,2}})/"),
    re.compile(rf"/({_YEAR})[/-](\d{{1,2}})[/-](\d{{1,2}})/"),
    # A file uploaded to TRS is named W0 + the day of the upload + a serial: W020260119384756291847.pdf.
    re.compile(rf"/W0({_YEAR})(\d{{2}})(\d{{2}})[\d_][^/?#]*(?:[?#].*)?$"),
)
# /202601/: a month only. Its first day is taken: never later than the real date, so never a false "late".
_URL_MONTH = re.compile(rf"/({_YEAR})(0[1-9]|1[0-2])/")
_PERIOD = re.compile(rf"({_YEAR})年(\d{{1,2}})月(\d{{1,2}})日(?:起)?(?:至|到|-|—|~)({_YEAR})年(\d{{1,2}})月(\d{{1,2}})日")
_PERIOD_CONTEXT = ("统计", "期限")


def valid(year: str | int, month: str | int, day: str | int) -> date | None:
    """The date, or None when the parts make no date (2026-02-30)."""
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    """The first date in ``text`` (a PubDate value, a visible date …); ``20260120`` alone counts too; None if none."""
    if not text:
        return None
    found = DATE.search(text)
    if found:
        return valid(*found.groups())
    compact = _COMPACT.match(text.strip())
    return valid(*compact.groups()) if compact else None


def published_in(text: str) -> str | None:
    """The publication date a page shows after 发布时间 / 发布日期 / 公开日期, as written; None when none."""
    found = PUBLISHED.search(text)
    return " ".join(found.group(1).split()) if found else None


def url_date(url: str) -> date | None:
    """The publication date a portal writes into an article's address, if any."""
    for pattern in _URL_DAY:
        found = pattern.search(url)
        if found:
            day = valid(*found.groups())
            if day is not None:
                return day
    month = _URL_MONTH.search(url)
    return valid(month.group(1), month.group(2), "1") if month else None


@dataclass(frozen=True)
class Period:
    """A statistical period stated in a report: the words as written and the year it covers."""

    text: str
    year: int


def statistical_periods(text: str) -> list[Period]:
    """The whole-year statistical periods ``text`` states (1 January to 31 December of one year, named as 统计期限 or
    统计…), in order. Periods of other lengths and dates that are not presented as the period are not returned."""
    found: list[Period] = []
    for match in _PERIOD.finditer(text):
        start = max(0, match.start() - 40)
        around = text[start : match.end() + 10]
        if not any(word in around for word in _PERIOD_CONTEXT):
            continue
        y1, m1, d1, y2, m2, d2 = match.groups()
        if (int(m1), int(d1), int(m2), int(d2)) == (1, 1, 12, 31) and y1 == y2:
            found.append(Period(match.group(0), int(y1)))
    return found
