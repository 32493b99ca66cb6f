"""T rules: what the text says against what the tables say, and sums stated in sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from documents.model import Paragraph
from rules.labels import fmt_number, norm
from rules.report import AnnualReport
from rules.rule import Context, Locator, Outcome, rule
from rules.structure import table_locator
from rules.sums import stated_sums

_BASIS = "《政府信息公开条例》第五十条；国办公开办函〔2021〕30号"
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")
_CLAUSE = re.compile(r"[^。；;!！?？\n,，]+")
_RECEIVED_NONE = re.compile(r"(?:未|没有|无)(?:收到|接到|接收到|接收|受理|新收)[^。；，,]{0,14}?申请")
_RECEIVED_N = (
    re.compile(r"(?:收到|受理|新收|接收|接到)[^。；，,\d]{0,25}?申请[^。；，,\d]{0,10}?(\d+)(?:件|条|个|份|次|宗)?"),
    re.compile(r"(?:收到|受理|新收|接收|接到)(\d+)(?:件|条|个|份|宗)[^。；，,]{0,15}?申请"),
    re.compile(r"(?:收到|受理|新收)依申请公开[^。；，,\d]{0,8}?(\d+)"),
)
_EXCLUDE_RECEIVED = re.compile(r"上年结转|办结|答复|结转|同比|增长|下降")
_NONE_REVIEW = re.compile(
    r"(?:未|没有|无)(?:发生|出现|收到|产生)?[^。；]{0,20}?(行政复议|行政诉讼)([^。；]{0,12}?(行政复议|行政诉讼))?"
)
_COUNT_REVIEW = re.compile(r"行政复议[^。；，,\d]{0,6}?(\d+)(?:件|起|宗|次)|(\d+)(?:件|起|宗)行政复议")
_COUNT_SUIT = re.compile(r"行政诉讼[^。；，,\d]{0,6}?(\d+)(?:件|起|宗|次)|(\d+)(?:件|起|宗)行政诉讼")


def _prose(report: AnnualReport) -> list[Paragraph]:
    headings = {str(s.source) for s in report.sections.values()}
    return [p for p in report.narrative if p.heading == 0 and str(p.source) not in headings]


@rule("T301", "正文申请数与表三不一致", "warning", _BASIS, "每份报告")
def t301(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when the narrative states how many requests were received (or that none were) and 表三 一、本年新收 总计 differs."""
    stated: list[tuple[int, Paragraph, str]] = []
    for paragraph in _prose(report):
        folded = norm(paragraph.text)
        for clause in _CLAUSE.findall(folded):
            if _RECEIVED_NONE.search(clause):
                stated.append((0, paragraph, clause))
                continue
            if _EXCLUDE_RECEIVED.search(clause):
                continue
            for pattern in _RECEIVED_N:
                match = pattern.search(clause)
                if match:
                    stated.append((int(match.group(1)), paragraph, clause))
                    break
    if not stated:
        yield t301.not_applicable("正文未说明收到申请的数量")
        return
    table = report.tables.get("t3")
    new = table.row("new") if table else None
    if table is None or new is None:
        yield t301.not_applicable("未找到表三“本年新收”行")
        return
    value = table.value(new, "total")
    count, paragraph, sentence = stated[0]
    locator = table_locator(table, row="一、本年新收政府信息公开申请数量", column="总计", source=str(paragraph.source))
    if value is None or value.reliable is None:
        yield t301.uncertain("表三“本年新收”行的总计无法确定，未与正文核对。", locator)
        return
    if len({s[0] for s in stated}) > 1:
        yield t301.uncertain("正文对收到申请数量的说法不一致，请人工核对。", locator, statements=[s[2] for s in stated])
        return
    if value.reliable == count:
        yield t301.passed(locator)
        return
    yield t301.failed(
        f"正文称“{sentence[:60]}”（{count}件），但表三“一、本年新收政府信息公开申请数量”的总计为{fmt_number(value.reliable)}。",
        locator,
        text=count,
        table=str(value.reliable),
        sentence=sentence[:200],
    )


@rule("T302", "正文行政复议、诉讼情况与表四不一致", "warning", _BASIS, "每份报告")
def t302(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when the narrative says there was no 行政复议/行政诉讼 (or gives counts) and 表四's totals differ."""
    claims: dict[str, tuple[int, str, Paragraph]] = {}
    for paragraph in _prose(report):
        folded = norm(paragraph.text)
        for sentence in _SENTENCE.findall(folded):
            none = _NONE_REVIEW.search(sentence)
            if none:
                for word, key in (("行政复议", "review"), ("行政诉讼", "suit")):
                    if word in none.group(0):
                        claims.setdefault(key, (0, sentence, paragraph))
                continue
            for pattern, key in ((_COUNT_REVIEW, "review"), (_COUNT_SUIT, "suit")):
                match = pattern.search(sentence)
                if match:
                    claims.setdefault(key, (int(match.group(1) or match.group(2)), sentence, paragraph))
    if not claims:
        yield t302.not_applicable("正文未说明行政复议、行政诉讼情况")
        return
    table = report.tables.get("t4")
    if table is None or not table.rows:
        yield t302.not_applicable("未找到表四")
        return
    row = table.rows[0]
    if not table.aligned(row) or any(row.values[i].reliable is None for i in (4, 9, 14)):
        yield t302.uncertain("表四的数值无法与各列对应，未与正文核对。", table_locator(table))
        return
    totals = {
        "review": row.values[4].reliable,
        "suit": (row.values[9].reliable or Decimal(0)) + (row.values[14].reliable or Decimal(0)),
    }
    names = {"review": "行政复议", "suit": "行政诉讼"}
    for key, (count, sentence, paragraph) in sorted(claims.items()):
        column = "行政复议·总计" if key == "review" else "行政诉讼·总计"
        locator = table_locator(table, row="数据行", column=column, source=str(paragraph.source))
        total = totals[key]
        if total == count:
            yield t302.passed(locator)
        else:
            said = "没有" if count == 0 else f"{count}件"
            yield t302.failed(
                f"正文称{names[key]}{said}（“{sentence[:50]}”），但表四{names[key]}总计为{fmt_number(total or Decimal(0))}。",
                locator,
                text=count,
                table=str(total),
            )


@rule("T303", "年度与报告年度不一致", "error", _BASIS, "每处")
def t303(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per place (title, statistical period) whose year differs from the report year (--year, else the title's)."""
    year = ctx.year or report.year
    if year is None:
        yield t303.not_applicable("无法确定报告年度")
        return
    places = [("标题", m) for m in report.title_years] + [("统计期限", m) for m in report.periods]
    if not places:
        yield t303.not_applicable("未找到标题年度或统计期限")
        return
    for where, mention in places:
        locator = Locator(row=where, source=str(mention.source))
        if mention.year == year:
            yield t303.passed(locator)
        else:
            yield t303.failed(
                f"{where}中的年度为{mention.year}年（“{mention.text[:40]}”），但报告年度为{year}年。",
                locator,
                found=mention.year,
                expected=year,
            )


@rule("T304", "分项之和与所述总数不符", "info", "数据准确性", "每个句子")
def t304(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails (info) for a sentence stating a total and listing its parts (其中/包括 …, see rules/sums.py) in the
    same unit when the parts add up to more than the total, or to less when the list is complete (it runs to the
    sentence's end, every item a part, no 等; a list cut off by the end of an excerpt is not complete).
    Approximate figures (余, 多, 约 …) are skipped."""
    checked = 0
    for paragraph in _prose(report):
        folded = norm(paragraph.text)
        for stated in stated_sums(folded):
            checked += 1
            found = sum(stated.parts)
            locator = Locator(row=stated.sentence[:30], source=str(paragraph.source))
            if found == stated.total or (found < stated.total and not stated.complete):
                yield t304.passed(locator)
                continue
            shown = " + ".join(str(p) for p in stated.parts)
            relation = "超过" if found > stated.total else "少于"
            yield t304.failed(
                f"句子“{stated.sentence[:80]}…”称总数为{stated.total}{stated.unit}，"
                f"但所列分项 {shown} = {found}{stated.unit}，{relation}总数。",
                locator,
                total=stated.total,
                parts=list(stated.parts),
            )
    if not checked:
        yield t304.not_applicable("没有列出分项的总数")
