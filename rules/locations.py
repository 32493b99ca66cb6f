"""Where a finding is, in the words a clerk uses: the one definition of how a locator is said to a person.

A finding's locator is the dict ``{"section", "table", "row", "column", "source"}`` of :class:`rules.rule.Locator`.
Its ``source`` is what the extractors wrote (``documents.model.Source.__str__``): ``page 3, box 56,120,300,140``,
``line 48``, ``page 2, line 7`` or an element path (``/html/body/div[3]/p[2]``, ``/w:document/w:body/w:tbl[2]``,
``meta[ArticleTitle]``); the monitor's own rules put the report's address there. Pages and lines are something
a clerk can find again; element paths, boxes and addresses are not, so they never reach the human text:
:func:`describe` leaves them out and :func:`technical` keeps them for an expert (the dashboard shows it behind a
技术定位 toggle, ``nianbao findings show`` on its last line, e-mails not at all).

How a place is said:

- a table cell: ``表三「一、本年新收政府信息公开申请数量」「自然人」`` (table ids ``t2``/``t3``/``t4`` read as
  表二/表三/表四, ``t2.一`` as 表二（一）; row and column labels as the locator gives them, quoted);
- a section: ``第三部分`` (also ``第一、五部分``); a section named by its topic is quoted: ``「主动公开政府信息情况」``;
- a paragraph or line the locator carries (a narrative finding's sentence): quoted, ``「本年共受理申请12件…」``;
  the names of whole places (标题, 发布日期, 报告链接 …) are not quoted;
- then the page or line in brackets when the source gives one: ``表三「其他」（第48行）``, ``第六部分（第4页）``;
- ``全文`` when nothing a person can use is left.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Row labels that name a place of the report (or of the portal) by themselves: shown without quotes.
PLAIN_LABELS = frozenset({"标题", "统计期限", "发布日期", "全文", "年度报告", "报告内容", "报告链接"})

#: The format's tables by the ids the parser gives them (``report.tables``), as a clerk names them.
TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}

#: What a locator that says nothing at all is shown as.
WHOLE = "全文"

_NUMERALS = re.compile(r"^[一二三四五六七八九十]+(?:[、，,][一二三四五六七八九十]+)*$")
_PAGE = re.compile(r"^page\s+(\d+)$")
_LINE = re.compile(r"^line\s+(\d+)$")


def position(source: str | None) -> str:
    """``第3页``, ``第48行`` or ``第2页第7行`` from an extractor's source string; empty for element paths, boxes,
    addresses, ``unknown`` and anything else a clerk cannot find again."""
    page = line = None
    for piece in (source or "").split(","):
        part = piece.strip()
        if match := _PAGE.match(part):
            page = int(match.group(1))
        elif match := _LINE.match(part):
            line = int(match.group(1))
    return (f"第{page}页" if page is not None else "") + (f"第{line}行" if line is not None else "")


def table_name(table: str) -> str:
    """A table as the report names it: ``表三`` for the id ``t3``, ``表二（一）`` for ``t2.一``; a name (``表三``,
    ``表二（一）``) stays as it is."""
    name = table.strip()
    if name in TABLE_NAMES:
        return TABLE_NAMES[name]
    kind, _, part = name.partition(".")
    if kind in TABLE_NAMES and part:
        return f"{TABLE_NAMES[kind]}（{part}）"
    return name


def section_name(section: str) -> str:
    """``第三部分`` for a section number (also ``一、五`` → ``第一、五部分``); a section named by its topic is
    quoted; ``第三部分`` written out stays as it is."""
    number = section.strip().rstrip("、，,.．")
    if _NUMERALS.match(number):
        return f"第{number}部分"
    if number.startswith("第") and number.endswith("部分"):
        return number
    return f"「{section.strip()}」"


def place(locator: Mapping[str, Any]) -> str:
    """The labelled place without the page or line: ``表三「一、本年新收…」「自然人」``, ``第三部分``,
    ``第一部分「…」``, ``标题``; empty when the locator names none."""
    table, section = _text(locator.get("table")), _text(locator.get("section"))
    row, column = _text(locator.get("row")), _text(locator.get("column"))
    if table:
        return table_name(table) + "".join(f"「{label}」" for label in (row, column) if label)
    head = section_name(section) if section else ""
    labels = [label if label in PLAIN_LABELS else f"「{label}」" for label in (row, column) if label]
    return head + "".join(labels)


def describe(locator: Mapping[str, Any]) -> str:
    """A finding's location as a clerk says it: the place, then the page or line in brackets when the source
    gives one (``表三「其他」（第48行）``, ``第2页``); ``全文`` when the locator says nothing a person can use.
    Never an element path, a box or an address (see :func:`raw_source` for those)."""
    where, at = place(locator), position(_text(locator.get("source")))
    if where and at:
        return f"{where}（{at}）"
    return where or at or WHOLE


def raw_source(locator: Mapping[str, Any]) -> str | None:
    """The extractor's own source string (element path, page box, address …), for an expert; None when there is
    none."""
    source = _text(locator.get("source"))
    return source if source and source != "unknown" else None


def technical(locator: Mapping[str, Any]) -> str | None:
    """The extractor's source string when it holds more than the page or line :func:`describe` already says (an
    element path, a page box, an address): what the dashboard's 技术定位 toggle and the end of ``nianbao findings
    show`` give an expert. None for ``line 48``, ``page 2, line 7`` and locators without a source."""
    source = raw_source(locator)
    if source is None:
        return None
    pieces = [piece.strip() for piece in source.split(",")]
    return None if all(_PAGE.match(piece) or _LINE.match(piece) for piece in pieces) else source


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""
