"""Where a finding is, in the words a clerk uses: 表三「行」「列」, 第三部分, the quoted words, 第3页 / 第48行.

A finding's locator is the dict ``{"section", "table", "row", "column", "source"}`` of :class:`rules.rule.Locator`.
Its ``source`` is what the extractors wrote (``documents.model.Source.__str__``): ``page 3, box 56,120,300,140``,
``line 48``, ``page 2, line 7`` or an element path (``/html/body/div[3]/p[2]``, ``/w:document/w:body/w:tbl[2]``,
``meta[ArticleTitle]``). Pages and lines are something a clerk can find again; element paths, boxes and the
like are not, so they never reach the human text (the dashboard keeps them for experts behind a toggle).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Row labels that name a place of the report by themselves (no quotes around them).
PLAIN_LABELS = frozenset({"标题", "统计期限", "发布日期", "全文"})

#: What a locator that says nothing at all is shown as.
WHOLE = "全文"

_NUMERALS = re.compile(r"^[一二三四五六七八九十、，,]+$")
_PAGE = re.compile(r"^page\s+(\d+)$")
_LINE = re.compile(r"^line\s+(\d+)$")


def position(source: str | None) -> str:
    """``第3页``, ``第48行`` or ``第2页第7行`` from an extractor's source string; empty for element paths, boxes,
    ``unknown`` and anything else a clerk cannot find again."""
    page = line = None
    for piece in (source or "").split(", "):
        part = piece.strip()
        if match := _PAGE.match(part):
            page = int(match.group(1))
        elif match := _LINE.match(part):
            line = int(match.group(1))
    return (f"第{page}页" if page is not None else "") + (f"第{line}行" if line is not None else "")


def section_name(section: str) -> str:
    """``第三部分`` for a section number (also ``一、五``); a section named by its topic is quoted."""
    return f"第{section}部分" if _NUMERALS.match(section) else f"「{section}」"


def place(locator: Mapping[str, Any]) -> str:
    """The labelled place without the page or line: ``表三「一、本年新收…」「自然人」``, ``第三部分``,
    ``第一部分「…」``, ``标题``; empty when the locator names none."""
    table, section = _text(locator.get("table")), _text(locator.get("section"))
    row, column = _text(locator.get("row")), _text(locator.get("column"))
    if table:
        return table + "".join(f"「{label}」" for label in (row, column) if label)
    head = section_name(section) if section else ""
    labels = [label if label in PLAIN_LABELS else f"「{label}」" for label in (row, column) if label]
    return head + "".join(labels)


def describe(locator: Mapping[str, Any]) -> str:
    """A finding's location as a clerk says it: the place, then the page or line in brackets when the source
    gives one (``表三「其他」（第48行）``, ``第2页``); ``全文`` when the locator says nothing a person can use."""
    where, at = place(locator), position(_text(locator.get("source")))
    if where and at:
        return f"{where}（{at}）"
    return where or at or WHOLE


def raw_source(locator: Mapping[str, Any]) -> str | None:
    """The extractor's own source string (element path, page box …), for an expert; None when there is none."""
    source = _text(locator.get("source"))
    return source if source and source != "unknown" else None


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""
