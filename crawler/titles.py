"""Report titles as the crawler meets them: in list pages and link texts.

What a report title is (and which year it covers) is :mod:`documents.titles`, shared with the rules; here are only
the crawler's own notions: a link text naming a 年报 column, and the fingerprint of a list entry.
"""

from __future__ import annotations

import hashlib
import re

from documents.titles import about_reports, compact, is_report_title, report_year

__all__ = ["about_reports", "compact", "is_report_title", "list_entry", "looks_like_column_name", "report_year"]

_ANY_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_COLUMN_NAME = re.compile(r"年报|年度报告|信息公开")


def looks_like_column_name(text: str) -> bool:
    """True for link texts that name a 年报 column (政府信息公开年报, 年度报告 …) rather than an article."""
    text = compact(text)
    return bool(_COLUMN_NAME.search(text)) and not _ANY_YEAR.search(text) and len(text) <= 20


def list_entry(title: str, date_text: str) -> str:
    """A fingerprint of how a column lists a document (title and date): when it changes, the document is fetched
    again even if its server sends no validators."""
    return hashlib.sha256(f"{compact(title)}\x1f{compact(date_text)}".encode()).hexdigest()
