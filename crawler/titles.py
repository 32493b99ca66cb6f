"""Report titles: is a link an annual report, which year it covers, and the fingerprint of its list entry.

A report title names the body, the year and the report: ``<body>…<year>年…政府信息公开…年度报告``, with the
variants portals use (政府信息公开年报, 信息公开年度报告, 公开年报, 年度报告 in a 年报 column). Notices *about* the
reports (关于做好…年度报告工作的通知), their 解读 and 图解 are not reports.
"""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"[\s\u3000\xa0]+")
_YEAR = re.compile(r"(20\d{2})\s*年")
_ANY_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
# 信息公开 (工作) 年度报告 / 年报 / 工作报告, 政务公开…年度报告, 公开年报.
_DISCLOSURE_REPORT = re.compile(r"信息公开.{0,8}?(?:年度报告|年报|工作报告)|政务公开.{0,8}?年度报告|公开年报")
_COLUMN_REPORT = re.compile(r"年度报告|年报")
_NOT_A_REPORT = re.compile(r"通知|关于|指南|制度|目录|编制|报送|统计表|解读|图解|评议|考核|培训|会议|的函|意见|模板|范本")
_COLUMN_NAME = re.compile(r"年报|年度报告|信息公开")
# A list cuts long titles short: "次营镇人民政府2025年政府信息…" is still a report in a 年报 column.
_TRUNCATED = re.compile(r"(?:政府信息|信息公开|政务公开|年报|年度).{0,6}(?:…|\.\.\.|。。。)$")


def compact(text: str) -> str:
    """``text`` without any whitespace (portals put spaces, full-width spaces and nbsp inside titles)."""
    return _SPACE.sub("", text)


def is_report_title(title: str, *, in_column: bool = False) -> bool:
    """True when ``title`` names a 政府信息公开工作年度报告 of some year.

    ``in_column``: the link was found in a 年报 column, where a bare "2025年年度报告" is a report too.
    """
    text = compact(title)
    if not _ANY_YEAR.search(text) or _NOT_A_REPORT.search(text):
        return False
    if _DISCLOSURE_REPORT.search(text):
        return True
    return in_column and bool(_COLUMN_REPORT.search(text) or (_YEAR.search(text) and _TRUNCATED.search(text)))


def about_reports(title: str) -> bool:
    """True for titles of things about the reports that are not reports (notices, 解读, 图解, guides …)."""
    return bool(_NOT_A_REPORT.search(compact(title)))


def looks_like_column_name(text: str) -> bool:
    """True for link texts that name a 年报 column (政府信息公开年报, 年度报告 …) rather than an article."""
    text = compact(text)
    return bool(_COLUMN_NAME.search(text)) and not _ANY_YEAR.search(text) and len(text) <= 20


def report_year(title: str | None) -> int | None:
    """The year a report covers: the year (followed by 年) nearest before the report words, else the first year."""
    if not title:
        return None
    text = compact(title)
    words = _DISCLOSURE_REPORT.search(text) or _COLUMN_REPORT.search(text)
    years = list(_YEAR.finditer(text))
    if words is not None:
        before = [m for m in years if m.start() < words.start()]
        if before:
            return int(before[-1].group(1))
    if years:
        return int(years[0].group(1))
    found = _ANY_YEAR.search(text)
    return int(found.group(1)) if found else None


def list_entry(title: str, date_text: str) -> str:
    """A fingerprint of how a column lists a document (title and date): when it changes, the document is fetched
    again even if its server sends no validators."""
    return hashlib.sha256(f"{compact(title)}\x1f{compact(date_text)}".encode()).hexdigest()
