"""Document → AnnualReport: title, body, year, template version, sections and the format's tables."""

from __future__ import annotations

import re
from datetime import date

from documents.model import Block, Cell, Document, Paragraph, Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import AnnualReport, Mention, Section
from rules.tables import classify, parse_t2, parse_t3, parse_t4


class NotAReportError(Exception):
    """The document is readable but is not a 政府信息公开工作年度报告."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_NUMBERED = re.compile(r"^([一二三四五六七八九十]{1,2})[、.,]\s*(.{2,40})$")
_TITLE = re.compile(r"(?P<pre>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<mid>.*?)(?:政府|政务)?信息公开.*?(?:报告|年报)")
_BODY_SUFFIX = re.compile(r"(政府|镇|乡|街道|办事处|局|委员会|委|办公室|办|中心|院|所|队|站|厅|署|部|会|处)$")
_PERIOD = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日(?:起)?(?:至|到|-|—|~)((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_PUBLISHED = re.compile(r"(?:发布时间|发布日期|公开日期)[:：]?\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})年")
_CELL_LIKE_MAX = 40
_NUMERIC_CELL = re.compile(r"[\d\s.,]*")
_TITLE_LABEL = re.compile(r"^\s*标\s*题\s*[:：]\s*")
_QUOTED_TITLE = re.compile(r"《([^《》]{4,60}?(?:政府|政务)?信息公开[^《》]{0,12}?(?:报告|年报))》")


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


def _is_title_candidate(text: str) -> bool:
    folded = norm(text)
    return (
        6 <= len(folded) <= 80
        and ("报告" in folded or "年报" in folded)
        and ("信息公开" in folded or "政务公开" in folded)
        and not folded.endswith("。")
        and not any(mark in folded for mark in (">", "›", "»", "当前位置", "所在位置"))
        and "，" not in text
        and "," not in folded[:-1]
    )


def _find_title(blocks: list[Block], limit: int, meta: dict[str, str]) -> tuple[str | None, Source | None]:
    paragraphs = [b for b in blocks[:limit] if isinstance(b, Paragraph)]
    for index, paragraph in enumerate(paragraphs):
        if not _is_title_candidate(paragraph.text):
            continue
        text = _TITLE_LABEL.sub("", paragraph.text.strip())
        match = _TITLE.search(norm(text))
        if match and not match.group("pre") and not match.group("mid") and index > 0:
            previous = norm(paragraphs[index - 1].text)
            if 2 <= len(previous) <= 25 and _BODY_SUFFIX.search(previous) and "、" not in previous:
                return f"{paragraphs[index - 1].text.strip()} {text}", paragraphs[index - 1].source
        return text, paragraph.source
    for key in ("articletitle", "title"):
        value = meta.get(key, "")
        if value and _is_title_candidate(value):
            return value.strip(), Source(path=f"meta[{key}]")
    return None, None


def _body_and_year(title: str) -> tuple[str | None, int | None]:
    match = _TITLE.search(norm(title))
    if not match:
        year = _YEAR_IN_TEXT.search(norm(title))
        return None, int(year.group(1)) if year else None
    pre = re.sub(r"(关于|《)+$", "", match.group("pre")).lstrip("《")
    mid = re.sub(r"^(的)|(的)$", "", match.group("mid"))
    body = pre or mid or None
    return body, int(match.group("year"))


def _date_or_none(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _published(document: Document, blocks: list[Block]) -> tuple[date | None, str | None]:
    for key, origin in (("pubdate", "PubDate 元数据"), ("published_text", "页面发布时间")):
        value = document.meta.get(key)
        if value:
            match = _DATE.search(value)
            if match and (found := _date_or_none(*match.groups())):
                return found, origin
    for block in blocks[:12]:
        if isinstance(block, Paragraph):
            match = _PUBLISHED.search(block.text)
            if match and (found := _date_or_none(*match.groups())):
                return found, "页面发布时间"
    return None, None


def _cell_like(paragraph: Paragraph) -> bool:
    folded = norm(paragraph.text)
    return bool(folded) and len(folded) <= _CELL_LIKE_MAX and "。" not in folded and paragraph.heading == 0


def _flat_tables(blocks: list[Block]) -> list[tuple[Table, int]]:
    """Runs of short one-cell lines (a table flattened by copy and paste), as one-column tables."""
    runs: list[tuple[Table, int]] = []
    run: list[tuple[int, Paragraph]] = []

    def close() -> None:
        if len(run) >= 4:
            rows = tuple((Cell(p.text, p.source),) for _i, p in run)
            runs.append((Table(rows=rows, source=run[0][1].source), run[-1][0]))
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

    first_section = section_at[0][0] if section_at else min(len(blocks), 15)
    report.title, report.title_source = _find_title(blocks, max(first_section, 1), dict(document.meta))
    if report.title is None:
        # No title line (an excerpt that starts below it): a preamble naming the report still tells body and year.
        for block in blocks[:6]:
            if isinstance(block, Paragraph) and (quoted := _QUOTED_TITLE.search(block.text)):
                report.body, year = _body_and_year(quoted.group(1))
                if year:
                    report.year, report.year_from = year, "正文所称报告名称"
                break
    if report.title:
        report.body, year = _body_and_year(report.title)
        if year:
            report.year, report.year_from = year, "标题"
            report.title_years.append(Mention(report.title, report.title_source or Source(), year))

    for block in blocks:
        if isinstance(block, Paragraph):
            folded = norm(block.text)
            for match in _PERIOD.finditer(folded):
                start = max(0, match.start() - 40)
                if "统计" in folded[start : match.end() + 10] or "期限" in folded[start : match.end() + 10]:
                    y1, m1, d1, y2, m2, d2 = match.groups()
                    if (m1, d1, m2, d2) == ("1", "1", "12", "31") and y1 == y2:
                        report.periods.append(Mention(match.group(0), block.source, int(y1)))
    if report.year is None and report.periods:
        report.year, report.year_from = report.periods[0].year, "统计期限"
    if report.year is None:
        for block in blocks[: first_section + 3]:
            if isinstance(block, Paragraph) and (match := _YEAR_IN_TEXT.search(norm(block.text))):
                report.year, report.year_from = int(match.group(1)), "正文"
                break

    report.published_on, report.published_from = _published(document, blocks)

    # Tables: real grids first, then flattened runs for kinds not found as grids.
    candidates: list[tuple[Table, bool, bool]] = []
    last_index = len(blocks) - 1
    for index, block in enumerate(blocks):
        if isinstance(block, Table):
            candidates.append((block, False, excerpt and index == last_index))
    grids = {k for table, _f, _tr in candidates for k in classify([norm(x) for x in table.texts()])}
    for table, end_index in _flat_tables(blocks):
        kinds = classify([norm(x) for x in table.texts()])
        if kinds and not kinds & grids:
            candidates.append((table, True, excerpt and end_index == last_index))

    trial_pattern = re.compile("|".join(re.escape(m) for m in t.TRIAL_MARKERS))
    format_2021_pattern = re.compile("|".join(re.escape(m) for m in t.FORMAT_2021_MARKERS))
    has_2021 = 0
    for table, _flat, _tr in candidates:
        for row in table.rows:
            for cell in row:
                if cell.spanned or not cell.text.strip() or _NUMERIC_CELL.fullmatch(cell.text):
                    continue
                folded = norm(cell.text)
                if trial_pattern.search(folded):
                    report.trial_markers.append(Mention(cell.text.strip(), cell.source))
                if format_2021_pattern.search(folded):
                    has_2021 += 1
                for pattern, printed, wanted in t.LABEL_DEVIATIONS:
                    if pattern.search(folded):
                        report.label_deviations.append((printed, wanted, cell.text.strip(), cell.source))
    if report.trial_markers and len(report.trial_markers) >= has_2021:
        report.template = "2019-trial"
    elif has_2021:
        report.template = "2021"
    elif report.year is not None and report.year < 2019:
        report.template = "pre-2019"
    trial = report.template == "2019-trial"

    by_kind: dict[str, list[tuple[Table, bool, bool]]] = {"t2": [], "t3": [], "t4": []}
    for table, flat, truncated in candidates:
        for kind in classify([norm(x) for x in table.texts()]):
            by_kind[kind].append((table, flat, truncated))
    if by_kind["t3"]:
        items = by_kind["t3"]
        report.tables["t3"] = parse_t3(
            [x[0] for x in items], grid=grid, trial=trial, flat=items[0][1], truncated=any(x[2] for x in items)
        )
    if by_kind["t4"]:
        items = by_kind["t4"]
        report.tables["t4"] = parse_t4([x[0] for x in items], grid=grid, flat=items[0][1], truncated=any(x[2] for x in items))
    if by_kind["t2"]:
        items = by_kind["t2"]
        for key, part in parse_t2(
            [x[0] for x in items], grid=grid, trial=trial, flat=items[0][1], truncated=any(x[2] for x in items)
        ).items():
            report.tables[f"t2.{key}"] = part
    if report.template == "unknown" and "t3" in report.tables and report.tables["t3"].row("六.1"):
        report.template = "2021"

    mentions_report = any(
        isinstance(b, Paragraph) and "信息公开" in b.text and ("年度报告" in b.text or "年报" in b.text) for b in blocks[:8]
    )
    if report.title is None and not report.sections and not report.tables and not mentions_report and not report.periods:
        raise NotAReportError("不是政府信息公开工作年度报告：未找到报告标题、六个部分的标题或统计表")
    return report
