"""Document → AnnualReport: title, body, year, template version, sections and the format's tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from documents import titles
from documents.dates import parse_date, published_in, statistical_periods
from documents.model import Block, Cell, Document, Paragraph, Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import AnnualReport, Mention, Section
from rules.streams import names_row, rows_from_stream
from rules.table2 import parse_t2
from rules.table3 import parse_t3
from rules.table4 import parse_t4
from rules.tables import classify


class NotAReportError(Exception):
    """The document is readable but is not a 政府信息公开工作年度报告."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_NUMBERED = re.compile(r"^([一二三四五六七八九十]{1,2})[、.,]\s*(.{2,40})$")
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})年")
_CELL_LIKE_MAX = 40
_NUMERIC_CELL = re.compile(r"[\d\s.,]*")
_TRIAL = re.compile("|".join(re.escape(m) for m in t.TRIAL_MARKERS))
_FORMAT_2021 = re.compile("|".join(re.escape(m) for m in t.FORMAT_2021_MARKERS))


def _heading_of(paragraph: Paragraph) -> tuple[str, str, bool] | None:
    """(section number, printed heading, canonical?) when the paragraph is a section heading."""
    if paragraph.list_item:
        return None
    folded = norm(paragraph.text).rstrip(":：")
    match = _NUMBERED.match(folded)
    if match:
        number, title = match.groups()
        for spec in t.SECTIONS:
            if spec.accept.search(title):
                canonical = number == spec.number and norm(title) == norm(spec.title)
                return spec.number, paragraph.text.strip(), canonical
        return None
    if len(folded) <= 24:
        for spec in t.SECTIONS:
            if folded == norm(spec.title):
                return spec.number, paragraph.text.strip(), False
    return None


_INLINE_NUMBER = re.compile(r"([一二三四五六七八九十]{1,2})[、.,]")


def _inline_headings(blocks: list[Block], found: set[str]) -> dict[str, Mention]:
    """Numbered section headings printed inside a paragraph (a report flattened onto one line, a heading run into
    the text before it), for the sections not found as headings: such a section may well be there."""
    inline: dict[str, Mention] = {}
    for block in blocks:
        if not isinstance(block, Paragraph):
            continue
        folded = norm(block.text)
        for match in _INLINE_NUMBER.finditer(folded):
            snippet = folded[match.end() : match.end() + 30]
            for spec in t.SECTIONS:
                if spec.number in found or spec.number in inline:
                    continue
                head = re.match(r"[^。；;，,]{2,30}", snippet)
                if head and spec.accept.search(head.group(0)):
                    inline[spec.number] = Mention(match.group(0).strip() + head.group(0)[:20], block.source)
                    break
    return inline


def _find_title(blocks: list[Block], limit: int, meta: dict[str, str]) -> tuple[str | None, Source | None]:
    """The report's title among the first paragraphs (before the first section heading).

    A title broken over two lines is joined; a title without a body under a line naming only the body gets it.
    When several lines read as titles, the one the page's own title metadata names is taken, else the first that
    names a body (a page heading without the body often stands above the report's own title), else the first.
    Without any, the metadata's title itself, if it is a report title."""
    paragraphs = [b for b in blocks[:limit] if isinstance(b, Paragraph)]
    candidates: list[tuple[str, Source, bool]] = []  # text, source, names a body
    for index, paragraph in enumerate(paragraphs):
        text = titles.title_text(paragraph.text)
        following = titles.title_text(paragraphs[index + 1].text) if index + 1 < len(paragraphs) else ""
        if titles.is_title_start(text) and following and titles.is_title_line(text + following):
            candidates.append((text + following, paragraph.source, titles.names_all(text + following)))
            continue
        if not titles.is_title_line(text):
            continue
        previous = paragraphs[index - 1] if index > 0 else None
        body, _year = titles.body_and_year(text)
        if previous is not None and not (body and titles.names_place(body)) and titles.names_body_only(previous.text):
            # The body's name on the line above: "固阳县民政局" / "2021年…报告", or broken inside the name:
            # "…人民政府小龙坎街道" / "办事处2023年…报告".
            candidates.append((titles.compact(previous.text) + text, previous.source, True))
            continue
        candidates.append((text, paragraph.source, titles.names_all(text)))
    named = [titles.compact(meta[key]) for key in ("articletitle", "title") if meta.get(key)]
    for text, source, _body in candidates:
        if any(titles.compact(text) in name for name in named):
            return text, source
    if candidates:
        text, source, _body = next((c for c in candidates if c[2]), candidates[0])
        return text, source
    for paragraph in paragraphs[:6]:
        if titles.is_garbled_title_line(paragraph.text):
            return titles.title_text(paragraph.text), paragraph.source
    for key in ("articletitle", "title"):
        value = meta.get(key, "")
        if value and titles.is_title_line(value):
            return value.strip(), Source(path=f"meta[{key}]")
    return None, None


def _published(document: Document, blocks: list[Block]) -> tuple[date | None, str | None]:
    for key, origin in (("pubdate", "PubDate 元数据"), ("published_text", "页面发布时间")):
        found = parse_date(document.meta.get(key))
        if found is not None:
            return found, origin
    for block in blocks[:12]:
        if isinstance(block, Paragraph):
            found = parse_date(published_in(block.text))
            if found is not None:
                return found, "页面发布时间"
    return None, None


def _year_from_text(blocks: list[Block], meta: dict[str, str]) -> tuple[int | None, str | None]:
    """The report year when neither a title nor a statistical period gives it: the page's title metadata, a
    sentence naming the report ("现将我镇2025年度政府信息公开工作情况报告如下"), else the first year written (a
    signing date such as "2018年3月12日" names the year after the report's, so it comes last)."""
    for key in ("articletitle", "title"):
        value = meta.get(key)
        if value and titles.is_report_title(value) and (year := titles.report_year(value)):
            return year, "页面标题"
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    for paragraph in paragraphs:
        year = titles.year_named(paragraph.text)
        if year:
            return year, "正文所称报告"
    for paragraph in paragraphs:
        if match := _YEAR_IN_TEXT.search(norm(paragraph.text)):
            return int(match.group(1)), "正文"
    return None, None


# A text that speaks of itself as the disclosure report ("本报告由概述、政府信息公开的组织领导…组成").
_NAMES_REPORT = re.compile(r"信息公开.{0,30}?(?:年度报告|年报)|(?:本报告|本年度报告).{0,40}?信息公开|信息公开.{0,40}?本报告")
_STRAY_CELL = re.compile(r"[\d\s.,，|]{1,12}")


def _last_content(blocks: list[Block]) -> int:
    """The index of the last block that is more than a stray value: where an excerpt cut off inside a table, the
    table's last values may follow it as short lines of their own."""
    index = len(blocks) - 1
    while index > 0:
        block = blocks[index]
        if not isinstance(block, Paragraph):
            break
        # The very last line may be a label cut in the middle ("二、上年结转政府信息公").
        if not _STRAY_CELL.fullmatch(block.text.strip()) and not (index == len(blocks) - 1 and _cell_like(block)):
            break
        index -= 1
    return index


@dataclass(frozen=True)
class _Candidate:
    """A table of the document as the table readers get it: its rows (a flat table's found again), whether its
    positions are reliable (``grid``), whether it lost its blank cells (``flat``), whether an excerpt cuts it off,
    and the text just above it (a heading naming what the table holds)."""

    table: Table
    grid: bool
    flat: bool
    truncated: bool
    heading: str = ""


def _candidate(table: Table, grid: bool, truncated: bool, heading: str) -> _Candidate:
    if not table.flat:
        return _Candidate(table, grid, False, truncated, heading)
    rebuilt = Table(rows_from_stream(table), table.source)
    return _Candidate(rebuilt, grid or table.blanks, not table.blanks, truncated, heading)


def _heading_above(blocks: list[Block], index: int) -> str:
    """The paragraph just above block ``index`` (within two blocks), or ""."""
    for block in reversed(blocks[max(0, index - 2) : index]):
        if isinstance(block, Paragraph):
            return block.text
    return ""


def _cell_like(paragraph: Paragraph) -> bool:
    """Whether a paragraph can be one cell of a table flattened to one cell per line: short, no sentence, no heading
    (a row's name with a long note in brackets is a cell too)."""
    folded = norm(paragraph.text)
    if not folded or "。" in folded or paragraph.heading:
        return False
    return len(folded) <= _CELL_LIKE_MAX or names_row(folded)


def _flat_tables(blocks: list[Block]) -> list[tuple[Table, int, int]]:
    """Runs of short one-cell lines (a table flattened by copy and paste), as flat tables, with the indexes of
    their first and last blocks."""
    runs: list[tuple[Table, int, int]] = []
    run: list[tuple[int, Paragraph]] = []

    def close() -> None:
        if len(run) >= 4:
            rows = tuple((Cell(p.text, p.source),) for _i, p in run)
            runs.append((Table(rows=rows, source=run[0][1].source, flat=True, blanks=False), run[0][0], run[-1][0]))
        run.clear()

    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph) and _cell_like(block) and _heading_of(block) is None:
            run.append((index, block))
        else:
            close()
    close()
    return runs


def parse_report(document: Document, *, excerpt: bool = False) -> AnnualReport:
    """Build the AnnualReport of a Document. Raises :class:`NotAReportError` when nothing report-like is found."""
    blocks = list(document.blocks)
    report = AnnualReport(document=document)
    grid = document.format != "text"

    # Sections, in document order; the first heading accepted for each number wins.
    section_at: list[tuple[int, str, str, bool, Source]] = []
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            found = _heading_of(block)
            if found and found[0] not in {s[1] for s in section_at}:
                if section_at and t.CHINESE_NUMBERS.index(found[0]) < t.CHINESE_NUMBERS.index(section_at[-1][1]):
                    continue
                section_at.append((index, found[0], found[1], found[2], block.source))
            elif (section_at and section_at[-1][1] == "六" and block.heading) or (
                section_at and section_at[-1][1] == "六" and not block.list_item
            ):
                match = _NUMBERED.match(norm(block.text))
                if match and match.group(1) in "七八九十" and len(norm(block.text)) <= 30:
                    report.extra_parts.append(Mention(block.text.strip(), block.source))
    for position, (index, number, heading, canonical, source) in enumerate(section_at):
        end = section_at[position + 1][0] if position + 1 < len(section_at) else len(blocks)
        paragraphs = tuple(b for b in blocks[index + 1 : end] if isinstance(b, Paragraph))
        report.sections[number] = Section(number, heading, source, canonical, paragraphs)
    report.inline_headings = _inline_headings(blocks, set(report.sections))

    first_section = section_at[0][0] if section_at else min(len(blocks), 15)
    report.title, report.title_source = _find_title(blocks, max(first_section, 1), dict(document.meta))
    if report.title is None:
        # No title line (an excerpt that starts below it): a preamble naming the report still tells body and year.
        for block in blocks[:6]:
            if isinstance(block, Paragraph) and (quoted := titles.quoted_title(block.text)):
                report.body, year = titles.body_and_year(quoted)
                if year:
                    report.year, report.year_from = year, "正文所称报告名称"
                break
    if report.title:
        report.body, year = titles.body_and_year(report.title)
        if year:
            report.year, report.year_from = year, "标题"
            report.title_years.append(Mention(report.title, report.title_source or Source(), year))

    for block in blocks:
        if isinstance(block, Paragraph):
            for period in statistical_periods(norm(block.text)):
                report.periods.append(Mention(period.text, block.source, period.year))
    if report.year is None and report.periods:
        report.year, report.year_from = report.periods[0].year, "统计期限"
    if report.year is None:
        report.year, report.year_from = _year_from_text(blocks[: first_section + 3], dict(document.meta))

    report.published_on, report.published_from = _published(document, blocks)

    # Tables: those the document holds first (a flat one with its rows found again), then runs of one-cell lines
    # for the kinds not found so. A flat table that kept its empty cells is read like a grid; one that lost them
    # is ``flat``: a row short of values may have lost a blank cell.
    candidates: list[_Candidate] = []
    last_index = _last_content(blocks)
    for index, block in enumerate(blocks):
        if isinstance(block, Table):
            candidates.append(_candidate(block, grid, excerpt and index >= last_index, _heading_above(blocks, index)))
    # Each table's labels folded and classified once, by id(table) (the table kept with them, so no id is reused).
    kinds_of: dict[int, tuple[Table, set[str]]] = {}

    def kinds_of_table(table: Table) -> set[str]:
        if (found := kinds_of.get(id(table))) is None:
            found = kinds_of[id(table)] = (table, classify([norm(x) for x in table.texts()]))
        return found[1]

    grids = {k for c in candidates for k in kinds_of_table(c.table)}
    for table, start_index, end_index in _flat_tables(blocks):
        kinds = kinds_of_table(table)
        if kinds and not kinds & grids:
            candidates.append(_candidate(table, grid, excerpt and end_index >= last_index, _heading_above(blocks, start_index)))

    trial_pattern, format_2021_pattern = _TRIAL, _FORMAT_2021
    has_2021 = 0
    for candidate in candidates:
        for row in candidate.table.rows:
            for cell in row:
                if cell.spanned or not cell.text.strip() or _NUMERIC_CELL.fullmatch(cell.text):
                    continue
                folded = norm(cell.text)
                if trial_pattern.search(folded):
                    report.trial_markers.append(Mention(cell.text.strip(), cell.source))
                if format_2021_pattern.search(folded):
                    has_2021 += 1
                for pattern, printed, wanted, formats in t.LABEL_DEVIATIONS:
                    if pattern.search(folded):
                        report.label_deviations.append((printed, wanted, cell.text.strip(), cell.source, formats))
    if t.format_in_force(report.year) is t.FORMAT_2008:
        # Judged by the 2008 条例, which fixed no tables: whatever tables the report has are its own.
        report.template = "pre-2019"
        candidates = []
    elif report.trial_markers and len(report.trial_markers) >= has_2021:
        report.template = "2019-trial"
    elif has_2021:
        report.template = "2021"
    trial = report.template == "2019-trial"

    by_kind: dict[str, list[_Candidate]] = {"t2": [], "t3": [], "t4": []}
    for candidate in candidates:
        for kind in kinds_of_table(candidate.table):
            by_kind[kind].append(candidate)
    if items := by_kind["t3"]:
        report.tables["t3"] = parse_t3(
            [c.table for c in items],
            grid=items[0].grid,
            trial=trial,
            flat=any(c.flat for c in items),
            truncated=any(c.truncated for c in items),
        )
    if items := by_kind["t4"]:
        report.tables["t4"] = parse_t4(
            [c.table for c in items],
            grid=items[0].grid,
            flat=any(c.flat for c in items),
            truncated=any(c.truncated for c in items),
            headings=[c.heading for c in items],
        )
    if items := by_kind["t2"]:
        for key, part in parse_t2(
            [c.table for c in items],
            grid=items[0].grid,
            trial=trial,
            flat=any(c.flat for c in items),
            truncated=any(c.truncated for c in items),
        ).items():
            report.tables[f"t2.{key}"] = part
    if report.template == "unknown" and "t3" in report.tables and report.tables["t3"].row("六.1"):
        report.template = "2021"

    mentions_report = any(isinstance(b, Paragraph) and _NAMES_REPORT.search(norm(b.text)) for b in blocks[:8])
    if report.title is None and not report.sections and not report.tables and not mentions_report and not report.periods:
        raise NotAReportError("不是政府信息公开工作年度报告：未找到报告标题、六个部分的标题或统计表")
    return report
