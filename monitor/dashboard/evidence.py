"""The evidence of a finding as the finding page draws it: the report's table with the failing cells marked,
and the paragraphs (the sentence) the finding points at.

The report is parsed again from its stored bytes (versions are immutable, so parses are cached by hash).
A locator names rows and columns by their printed labels; they are matched to the parsed table here.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from documents import ExtractionError, extract
from monitor.store import BlobStore
from rules import NotAReportError, parse_report
from rules import template as t
from rules.report import AnnualReport, ParsedTable, Row

_NUMERAL = "一二三四五六七八九十"
_ROW_NUMBER = re.compile(rf"^([{_NUMERAL}]+)、|^（([{_NUMERAL}]+)）")
_NUMBER_TOKEN = re.compile(rf"^(?:[{_NUMERAL}]+|（[{_NUMERAL}]+）)$")
_NTH_VALUE = re.compile(r"^第(\d+)个数值$")
_MAX_PARAGRAPHS = 40


@dataclass(frozen=True)
class CellView:
    """One cell as drawn: its text and whether the finding points at it."""

    text: str
    highlight: bool = False
    extra: bool = False
    gap: bool = False


@dataclass(frozen=True)
class RowView:
    """A data row: its printed label, its cells, whether the finding points at the whole row."""

    label: str
    cells: tuple[CellView, ...]
    highlight: bool
    note: str | None = None


@dataclass(frozen=True)
class TableView:
    """A table of the report as drawn on the finding page."""

    name: str
    header: tuple[CellView, ...]
    rows: tuple[RowView, ...]
    header_highlight: bool
    notes: tuple[str, ...]
    source: str

    def hits(self, most: int = 6) -> list[tuple[str, str, str]]:
        """The highlighted cells as (row label, column label, text), when there are few enough to list."""
        found = [
            (row.label, self.header[i].text if i < len(self.header) else "", cell.text)
            for row in self.rows
            for i, cell in enumerate(row.cells)
            if cell.highlight
        ]
        return found if len(found) <= most else []


@dataclass(frozen=True)
class ParagraphView:
    """A paragraph of the report; ``before``/``mark``/``after`` split out the sentence the finding quotes."""

    before: str
    mark: str
    after: str
    highlight: bool
    source: str
    heading: bool = False


@dataclass(frozen=True)
class Evidence:
    """What the finding page shows from the report itself."""

    table: TableView | None = None
    paragraphs: tuple[ParagraphView, ...] = ()
    sentence: str | None = None
    problem: str | None = None


class ReportCache:
    """Parsed reports by blob hash (a small LRU: parsing a PDF takes seconds, the bytes never change)."""

    def __init__(self, blobs: BlobStore, size: int = 16) -> None:
        self.blobs = blobs
        self.size = size
        self._items: OrderedDict[str, AnnualReport] = OrderedDict()
        self._lock = Lock()

    def get(self, sha256: str, content_type: str | None) -> AnnualReport:
        """The parsed report of the stored bytes; raises FileNotFoundError, ExtractionError or NotAReportError."""
        with self._lock:
            if sha256 in self._items:
                self._items.move_to_end(sha256)
                return self._items[sha256]
        report = parse_report(extract(self.blobs.get(sha256), content_type=content_type))
        with self._lock:
            self._items[sha256] = report
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return report


def evidence_for(
    cache: ReportCache, sha256: str | None, content_type: str | None, locator: Mapping[str, Any], data: Mapping[str, Any]
) -> Evidence:
    """The evidence of a finding found in the report stored as ``sha256`` (None: the finding has no report)."""
    if sha256 is None:
        return Evidence(problem="该问题没有对应的报告原文（例如单位尚未发布报告）。")
    try:
        report = cache.get(sha256, content_type)
    except FileNotFoundError:
        return Evidence(problem="报告原文文件不在存储目录中，无法显示原文。")
    except (ExtractionError, NotAReportError) as exc:
        return Evidence(problem=f"报告原文无法读取：{getattr(exc, 'reason', exc)}")
    return build_evidence(report, locator, data)


def build_evidence(report: AnnualReport, locator: Mapping[str, Any], data: Mapping[str, Any]) -> Evidence:
    """Match a locator (and the finding's evidence) to the parsed report."""
    table_name = locator.get("table")
    table = next((tb for tb in report.tables.values() if table_name and tb.name == table_name), None)
    table_view = draw_table(table, locator, data) if table is not None else None
    sentence = data.get("sentence") if isinstance(data.get("sentence"), str) else None
    paragraphs = _paragraphs(report, locator, data, sentence, table)
    return Evidence(table_view, paragraphs, sentence)


def column_labels(table: ParsedTable) -> list[str]:
    """The printed label of each of the table's columns, as messages and locators name them."""
    if table.kind == "t3":
        return [t.T3_COLUMN[key].label for key in table.columns]
    if table.kind == "t4":
        groups = {g.key: g.label for g in t.T4_GROUPS}
        results = {r.key: r.label for r in t.T4_RESULTS}
        labels = []
        for key in table.columns:
            group, _, result = key.partition(".")
            labels.append(f"{groups.get(group, group)}·{results.get(result, result)}")
        return labels
    part = next((p for p in t.T2_PARTS if f"t2.{p.key}" == table.kind), None)
    names = {c.key: c.label for c in part.columns} if part else {}
    return [names.get(key, key) for key in table.columns]


def _column_matches(label: str, wanted: str) -> bool:
    if label == wanted:
        return True
    have, want = label.split("·"), wanted.split("·")
    return len(want) > 1 and have[0] == want[0] and have[-1] == want[-1] and set(want) <= set(have)


def _row_number(label: str) -> str | None:
    match = _ROW_NUMBER.match(label)
    if not match:
        return None
    return match.group(1) or f"（{match.group(2)}）"


def _rows_pointed(table: ParsedTable, wanted: str | None, data: Mapping[str, Any]) -> set[int]:
    pointed = set()
    listed = data.get("rows_with_wrong_count")
    names = set(listed) if isinstance(listed, Mapping) else set()
    tokens = wanted.split("、") if wanted else []
    numbered = bool(tokens) and all(_NUMBER_TOKEN.match(token) for token in tokens)
    for index, row in enumerate(table.rows):
        if row.label == wanted or row.label in names or (numbered and _row_number(row.label) in tokens):
            pointed.add(index)
    return pointed


def draw_table(table: ParsedTable, locator: Mapping[str, Any], data: Mapping[str, Any]) -> TableView:
    """The table with the cells, rows or columns the locator names highlighted."""
    labels = column_labels(table)
    wanted_row = locator.get("row")
    wanted_column = locator.get("column")
    rows = _rows_pointed(table, wanted_row, data)
    columns: set[int] = set()
    nth: int | None = None
    if wanted_column:
        group_column = f"{wanted_row}·{wanted_column}" if wanted_row else None
        for index, label in enumerate(labels):
            if group_column and _column_matches(label, group_column):
                columns.add(index)
        if not columns:
            columns = {i for i, label in enumerate(labels) if _column_matches(label, wanted_column)}
        match = _NTH_VALUE.match(wanted_column)
        nth = int(match.group(1)) - 1 if match else None
    if not rows and len(table.rows) == 1 and (columns or wanted_row):
        rows = {0}  # 表四 has a single data row: the locator names a group or column of it
    width = max([len(labels), *(len(row.values) for row in table.rows)])
    header = tuple(
        CellView(labels[i] if i < len(labels) else "（表头无此列）", highlight=i in columns, extra=i >= len(labels))
        for i in range(width)
    )
    drawn = tuple(
        _draw_row(table, row, width, pointed=index in rows, columns=columns, nth=nth) for index, row in enumerate(table.rows)
    )
    notes = []
    missing = data.get("missing")
    if isinstance(missing, list) and missing:
        notes.append("表头缺少：" + "、".join(f"「{m}」" for m in missing) + "列")
    header_highlight = bool(missing) or bool(wanted_column and wanted_column.startswith("共") and wanted_column.endswith("列"))
    if table.flat:
        notes.append("该表格在原文中无法按行列识别，以下为逐行读出的数值。")
    return TableView(table.name, header, drawn, header_highlight, tuple(notes), str(table.source))


def _draw_row(table: ParsedTable, row: Row, width: int, *, pointed: bool, columns: set[int], nth: int | None) -> RowView:
    aligned = table.aligned(row)
    gaps: set[int] = set()
    if not pointed:
        targets: set[int] = set()
    elif nth is not None:
        targets = {nth}
    elif aligned and columns:
        targets = columns
    else:  # the whole row: its values cannot be placed in columns; the positions without a value are gaps
        targets = set(range(len(row.values)))
        gaps = set(range(len(row.values), table.width))
    cells = tuple(
        CellView(row.values[i].raw if i < len(row.values) else "", i in targets, extra=i >= table.width, gap=i in gaps)
        for i in range(width)
    )
    note = f"本行有{len(row.values)}个数值，表头有{table.width}列" if not aligned and not table.flat else None
    return RowView(row.label, cells, pointed, note)


def _find(text: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` is in ``text``, ignoring white space (rules quote sentences with spaces folded away)."""
    if needle in text:
        start = text.index(needle)
        return start, start + len(needle)
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    squeezed = "".join(text[i] for i in positions)
    wanted = "".join(needle.split())
    if not wanted or wanted not in squeezed:
        return None
    first = squeezed.index(wanted)
    return positions[first], positions[first + len(wanted) - 1] + 1


def _split(text: str, sentence: str | None, fragments: list[str]) -> tuple[str, str, str] | None:
    for needle in ([sentence] if sentence else []) + fragments:
        found = _find(text, needle) if needle else None
        if found is not None:
            start, end = found
            return text[:start], text[start:end], text[end:]
    return None


def _paragraphs(
    report: AnnualReport, locator: Mapping[str, Any], data: Mapping[str, Any], sentence: str | None, table: ParsedTable | None
) -> tuple[ParagraphView, ...]:
    source = locator.get("source")
    fragments = [v for v in data.values() if isinstance(v, str) and 0 < len(v) <= 200 and not v.isdigit()]
    section = report.sections.get(str(locator.get("section") or ""))
    if table is not None and source == str(table.source):
        source = None  # the table itself is drawn; no paragraph to show
    candidates = [p for p in report.narrative if source and str(p.source) == source]
    heading_only = section is not None and candidates and all(str(c.source) == str(section.source) for c in candidates)
    if table is None and section is not None and (not candidates or heading_only):
        shown = [(section.heading, str(section.source), True, False)] + [
            (p.text, str(p.source), False, _split(p.text, sentence, fragments) is not None) for p in section.paragraphs
        ]
        if not any(hit for *_rest, hit in shown):
            shown = [(text, where, heading, not heading) for text, where, heading, _hit in shown]
    else:
        shown = [(p.text, str(p.source), p.heading > 0, True) for p in candidates]
    out = []
    for text, where, heading, hit in shown[:_MAX_PARAGRAPHS]:
        parts = _split(text, sentence, fragments) if hit else None
        before, mark, after = parts if parts else (text, "", "")
        out.append(ParagraphView(before, mark, after, hit, where, heading))
    return tuple(out)
