"""S rules: structure and completeness of the report."""

from __future__ import annotations

import re
from collections.abc import Iterator

from documents import titles
from rules import template as t
from rules.labels import norm
from rules.report import AnnualReport, ParsedTable
from rules.rule import Context, Locator, Outcome, rule

_BASIS_FORMAT = "国办公开办函〔2021〕30号《政府信息公开工作年度报告格式》"
_T2_NAMES = {f"t2.{p.key}": p for p in t.T2_PARTS}
_TABLE_SECTION = {"t3": "三", "t4": "四", **dict.fromkeys(_T2_NAMES, "二")}
_TABLE_NAME = {"t3": "表三", "t4": "表四", **{k: p.name for k, p in _T2_NAMES.items()}}


def table_locator(table: ParsedTable, row: str | None = None, column: str | None = None, source: str | None = None) -> Locator:
    """A locator inside one of the format's tables."""
    return Locator(_TABLE_SECTION.get(table.kind), table.name, row, column, source or str(table.source))


@rule("S101", "缺少规定部分", "error", "《政府信息公开条例》第五十条；" + _BASIS_FORMAT, "每个缺少的部分")
def s101(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails for each of the six sections whose heading is not found (accepted variants count as found).

    Uncertain when the section's numbered heading is printed inside a paragraph (the whole report on one line, a
    heading run into the text before it): the section may be there. Reports for 2018 and earlier are held to the
    topics of the 2008 条例 instead (第三十二条), as a warning for a topic the report never mentions. n/a for
    excerpts (the rest of the document is missing, not the section)."""
    fmt = report.format_for(ctx.year)
    if fmt.topics:
        yield from _topics(report, ctx, fmt)
        return
    for spec in fmt.sections:
        locator = Locator(section=spec.number)
        if spec.number in report.sections:
            yield s101.passed(locator)
        elif ctx.excerpt:
            yield s101.not_applicable("节选文本")
        elif spec.number in report.inline_headings:
            mention = report.inline_headings[spec.number]
            yield s101.uncertain(
                f"未找到单独成行的第{spec.number}部分标题，但正文中有「{mention.text}」，可能是排版或抓取时标题与正文连在了一起，请人工核对。",
                Locator(section=spec.number, source=str(mention.source)),
            )
        else:
            yield s101.failed(
                f"报告缺少第{spec.number}部分「{spec.heading}」。年度报告格式要求包含全部六个部分。",
                locator,
                expected=spec.heading,
            )


def _topics(report: AnnualReport, ctx: Context, fmt: t.ReportFormat) -> Iterator[Outcome]:
    """S101 for a report under the 2008 条例: each topic of 第三十二条 the report never mentions, as a warning."""
    text = norm("\n".join(p.text for p in report.narrative))
    for topic in fmt.topics:
        locator = Locator(section=topic.title)
        if topic.mention.search(text):
            yield s101.passed(locator)
        elif ctx.excerpt:
            yield s101.not_applicable("节选文本")
        else:
            yield s101.failed(
                f"报告未涉及「{topic.title}」。2008年《政府信息公开条例》第三十二条要求年度报告包括这一内容。",
                locator,
                severity="warning",
                expected=topic.title,
            )


@rule("S102", "章节标题与格式不一致", "info", _BASIS_FORMAT, "每个标题")
def s102(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails (info) for a section heading worded differently from the format, and for parts beyond the six.

    n/a before 2019: the 2008 条例 prescribed topics, not headings."""
    if not report.format_for(ctx.year).sections:
        yield s102.not_applicable("2019年以前的报告没有规定的章节标题")
        return
    for section in report.section_order:
        spec = t.SECTION_BY_NUMBER[section.number]
        locator = Locator(section=section.number, source=str(section.source))
        if section.canonical:
            yield s102.passed(locator)
        else:
            yield s102.failed(
                f"第{section.number}部分标题为「{section.heading}」，格式规定为「{spec.heading}」。",
                locator,
                found=section.heading,
                expected=spec.heading,
            )
    for extra in report.extra_parts:
        yield s102.failed(
            f"报告在六个部分之外另有「{extra.text}」，格式只规定六个部分。",
            Locator(section=None, row=extra.text, source=str(extra.source)),
            found=extra.text,
        )
    if not report.sections:
        yield s102.not_applicable("未找到章节标题")


@rule("S103", "缺少规定表格", "error", _BASIS_FORMAT, "每张表")
def s103(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails for each required table not found: 表二's four parts （一）（五）（六）（八）, 表三, 表四.

    The trial format (report years 2019 and 2020) also has 表二（九）. n/a for excerpts and for reports before 2019
    (no fixed tables then)."""
    fmt = report.format_for(ctx.year)
    if not fmt.fixed_tables:
        yield s103.not_applicable("2019年以前的报告没有统一表格")
        return
    for kind in fmt.tables:
        name = _TABLE_NAME[kind]
        locator = Locator(section=_TABLE_SECTION[kind], table=name)
        if kind in report.tables:
            yield s103.passed(locator)
        elif ctx.excerpt:
            yield s103.not_applicable("节选文本")
        else:
            what = f"第二十条第（{kind[3:]}）项统计表" if kind.startswith("t2") else name
            yield s103.failed(f"报告缺少{name}（{what}）。年度报告格式要求该表。", locator)


def _required_rows(report: AnnualReport, table: ParsedTable) -> tuple[tuple[str, str], ...]:
    if table.kind == "t3":
        rows = t.T3_ROWS_TRIAL if report.template == "2019-trial" else t.T3_ROWS
        return tuple((r.key, r.label) for r in rows)
    part = _T2_NAMES.get(table.kind)
    if part is None:
        return ()
    return tuple((r.key, r.label) for r in part.rows)


@rule("S104", "表格缺少规定行", "error", _BASIS_FORMAT, "每张表（列出缺少的行）")
def s104(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per table of 表二 or 表三 when rows of the format are not found, listing them.

    n/a for excerpts (a table cut off loses rows) and for flattened tables that could not be read."""
    for _kind, table in sorted(report.tables.items()):
        required = _required_rows(report, table)
        if not required:
            continue
        found = {row.key for row in table.rows}
        missing = [label for key, label in required if key not in found]
        locator = table_locator(table)
        if not missing:
            yield s104.passed(locator)
        elif ctx.excerpt or table.truncated:
            yield s104.not_applicable("节选文本")
        else:
            yield s104.failed(
                f"{table.name}缺少以下行：{'、'.join(missing)}。",
                table_locator(table, row="、".join(missing)),
                missing=missing,
            )


@rule("S105", "表格缺少规定列", "error", _BASIS_FORMAT, "每张表（列出缺少的列）")
def s105(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per table when the header lacks columns of the format (表三 without 其他 or 总计; 表四 without a group)."""
    for kind in ("t3", "t4"):
        table = report.tables.get(kind)
        if table is None:
            continue
        if table.flat:
            yield s105.uncertain(f"{table.name}的表格结构无法识别（每个单元格单独成行），未核对表头。", table_locator(table))
            continue
        if kind == "t3":
            labels = [t.T3_COLUMN[k].label for k in table.missing_columns]
        else:
            names = {g.key: g.label for g in t.T4_GROUPS} | {f"result:{r.key}": r.label for r in t.T4_RESULTS}
            labels = [names[k] for k in table.missing_columns]
        if not labels:
            yield s105.passed(table_locator(table))
            continue
        expected = "、".join(c.label for c in t.T3_COLUMNS) if kind == "t3" else "行政复议、未经复议直接起诉、复议后起诉各五项"
        yield s105.failed(
            f"{table.name}表头缺少「{'」「'.join(labels)}」列。格式规定的列为：{expected}。",
            table_locator(table, column="、".join(labels)),
            missing=labels,
        )


def _row_problems(table: ParsedTable) -> tuple[list[tuple[str, int]], list[str]]:
    """(rows with a wrong number of values and that number, rows with blank cells as descriptions)."""
    wrong: list[tuple[str, int]] = []
    blanks: list[str] = []
    for row in table.rows:
        if (row.key is None and not row.values) or row.unread:
            continue
        if len(row.values) != table.width:
            wrong.append((row.label, len(row.values)))
        elif any(v.blank for v in row.values):
            names = _column_names(table)
            empty = [names[i] if i < len(names) else str(i + 1) for i, v in enumerate(row.values) if v.blank]
            blanks.append(f"「{row.label}」的「{'、'.join(empty)}」")
    return wrong, blanks


_T4_COLUMNS = "行政复议、未经复议直接起诉、复议后起诉各5列：结果维持、结果纠正、其他结果、尚未审结、总计"


def _column_names(table: ParsedTable) -> list[str]:
    return list(table.column_labels)


@rule("S106", "数据行数值个数与表头不符或有空白单元格", "error", _BASIS_FORMAT, "每张表（列出行和个数）")
def s106(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per table when data rows hold fewer or more values than the table has columns, or a cell is blank.

    No S106 for a table without any number (that is S107: 表二 counts as one table there, so one of its parts left
    blank while the others are filled is S106's); uncertain for flattened or cut-off tables."""
    t2_numbers = sum(table.numbers for kind, table in report.tables.items() if kind.startswith("t2"))
    for kind, table in sorted(report.tables.items()):
        if (t2_numbers if kind.startswith("t2") else table.numbers) == 0:
            yield s106.not_applicable("表格未填写数据（见 S107）")
            continue
        wrong, blanks = _row_problems(table)
        unread = [row for row in table.rows if row.unread]
        if not wrong and not blanks:
            if unread:
                yield s106.uncertain(
                    f"{table.name}「{unread[0].label}」行{unread[0].unread}，未核对各行数值个数。", table_locator(table)
                )
            else:
                yield s106.passed(table_locator(table))
            continue
        if table.flat or table.truncated:
            yield s106.uncertain(f"{table.name}不完整或结构无法识别，未核对各行数值个数。", table_locator(table))
            continue
        columns = _column_names(table)
        parts = []
        if wrong:
            by_count: dict[int, list[str]] = {}
            for label, count in wrong:
                by_count.setdefault(count, []).append(label)
            groups = []
            for count, labels in by_count.items():
                if len(labels) <= 3:
                    span = "".join(f"「{x}」" for x in labels) + ("" if len(labels) == 1 else f"共{len(labels)}行")
                else:
                    span = f"「{labels[0]}」「{labels[1]}」…「{labels[-1]}」等{len(labels)}行"
                groups.append(f"{span}只有{count}个数值" if count < table.width else f"{span}有{count}个数值")
            described = _T4_COLUMNS if table.kind == "t4" else "、".join(columns)
            parts.append(f"表头有{table.width}列（{described}），但{'；'.join(groups)}")
        if blanks:
            parts.append(f"以下单元格为空白（空白表示缺少数据，不等于0）：{'；'.join(blanks[:6])}")
        rows = list(dict.fromkeys([label for label, _n in wrong] + [b.split("」")[0].lstrip("「") for b in blanks]))
        where = rows[0] + (f" 等{len(rows)}行" if len(rows) > 1 else "")
        yield s106.failed(
            f"{table.name}{'；'.join(parts)}。请补齐每行数据，使其与表头各列一一对应。",
            table_locator(table, row=where, column=f"共{table.width}列"),
            columns=columns,
            rows_with_wrong_count=dict(wrong),
            blank_cells=blanks,
        )


@rule("S107", "表格未填写数据", "error", _BASIS_FORMAT, "每张表")
def s107(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per table (表二 as a whole, 表三, 表四) present in the report with not a single number filled in.

    Uncertain when an excerpt cuts the table off, or when a table flattened to one cell per line shows no row of
    the format (its rows could not be found again, so its numbers may have been missed)."""
    groups: dict[str, list[ParsedTable]] = {}
    for kind, table in report.tables.items():
        groups.setdefault("t2" if kind.startswith("t2") else kind, []).append(table)
    for kind in ("t2", "t3", "t4"):
        tables = groups.get(kind)
        if not tables:
            continue
        name = "表二" if kind == "t2" else tables[0].name
        locator = Locator(section=_TABLE_SECTION.get(tables[0].kind), table=name, source=str(tables[0].source))
        if any(table.numbers for table in tables):
            yield s107.passed(locator)
        elif all(table.truncated for table in tables):
            yield s107.uncertain(f"{name}位于节选文本末尾，可能被截断。", locator)
        elif all(table.flat for table in tables) and not any(row.key for table in tables for row in table.rows):
            yield s107.uncertain(f"{name}的每个单元格单独成行，未能找到数据行，未核对是否填写了数据。", locator)
        else:
            yield s107.failed(f"{name}有表头但没有填写任何数据。没有发生的事项应填写0，不能留空。", locator)


@rule("S108", "使用已废止的2019年试行格式", "error", "国办公开办函〔2021〕30号（自2021年度报告起施行）", "每份报告")
def s108(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when a report for 2021 or later uses the 2019 trial format's tables (markers in table headers)."""
    year = ctx.year or report.year
    if year is None:
        yield s108.not_applicable("无法确定报告年度")
        return
    if year < 2021:
        yield s108.not_applicable("2021年度以前的报告适用试行格式")
        return
    if report.template != "2019-trial":
        yield s108.passed(Locator(section="二"))
        return
    markers = list(dict.fromkeys(m.text for m in report.trial_markers))
    yield s108.failed(
        f"{year}年度报告仍使用2019年试行格式的表格（如「{'」「'.join(markers[:4])}」），"
        f"应使用国办公开办函〔2021〕30号规定的格式。",
        Locator(section="二", table="表二", row=markers[0], source=str(report.trial_markers[0].source)),
        markers=markers,
    )


_FEE = re.compile(r"信息处理费|收费|收取|费用")


@rule(
    "S109",
    "未说明信息处理费收取情况",
    "warning",
    "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）；" + _BASIS_FORMAT,
    "每份报告",
)
def s109(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when section 六 (report year 2021 or later) says nothing about 信息处理费; "未收取" passes, "无" alone fails."""
    year = ctx.year or report.year
    if year is not None and year < 2021:
        yield s109.not_applicable("2021年度以前")
        return
    section = report.sections.get("六")
    if section is None:
        yield s109.not_applicable("未找到第六部分")
        return
    locator = Locator(section="六", source=str(section.source))
    if _FEE.search(section.text):
        yield s109.passed(locator)
    elif not section.paragraphs and ctx.excerpt:
        yield s109.not_applicable("节选文本")
    else:
        said = norm(section.text) or "（空）"
        yield s109.failed(
            f"第六部分「其他需要报告的事项」只写了「{said[:30]}」，未说明本年度信息处理费的收取情况。"
            f"应写明是否收取（例如“本机关{year or ''}年度未收取信息处理费”）。",
            locator,
            found=said[:200],
        )


_PROBLEMS = re.compile(r"问题|不足|短板|差距|有待|不够|不高|欠缺|薄弱|不强|滞后|不及时|不完善|不规范|不到位|困难")
_MEASURES = re.compile(r"改进|整改|下一步|措施|加强|强化|提升|提高|完善|优化|推进|健全|将")


@rule("S110", "未写明存在的问题或改进措施", "warning", "《政府信息公开条例》第五十条；" + _BASIS_FORMAT, "每份报告")
def s110(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when section 五 is empty, says only "无", or gives only problems or only improvement measures."""
    section = report.sections.get("五")
    if section is None:
        yield s110.not_applicable("未找到第五部分")
        return
    text = section.text
    locator = Locator(section="五", source=str(section.source))
    if not text.strip() and ctx.excerpt:
        yield s110.not_applicable("节选文本")
        return
    problems = bool(_PROBLEMS.search(text))
    measures = bool(_MEASURES.search(text))
    if problems and measures and len(norm(text)) >= 20:
        yield s110.passed(locator)
        return
    if not norm(text) or norm(text) in ("无", "无。"):
        what = "内容为空" if not norm(text) else "只写了「无」"
    elif not problems:
        what = "只写了改进措施，没有写存在的问题"
    else:
        what = "只写了存在的问题，没有写改进情况"
    yield s110.failed(
        f"第五部分「存在的主要问题及改进情况」{what}。应同时写明存在的主要问题和改进措施。",
        locator,
        problems=problems,
        measures=measures,
    )


# Before 2019 no wording was prescribed: a title naming the report as a 政府/政务信息公开 annual report will do.
_TITLE_2008 = re.compile(r"(政府|政务)信息公开.{0,6}(年度报告|年报|工作报告)")


@rule("S111", "标题不规范", "warning", _BASIS_FORMAT, "每份报告")
def s111(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when the title lacks the body's name, the year, or "政府信息公开工作年度报告" (before 2019, when no wording
    was prescribed: a 政府/政务信息公开 annual report).

    Uncertain when an excerpt has no title line (it may have been cut off)."""
    if report.title is None:
        if ctx.excerpt:
            yield s111.uncertain("节选文本中未找到报告标题。")
        else:
            yield s111.failed(
                "未找到报告标题。标题应为“（单位名称）XXXX年政府信息公开工作年度报告”。", Locator(section=None, row="标题")
            )
        return
    folded = norm(report.title)
    lacks = []
    if not report.body:
        lacks.append("单位名称")
    elif not titles.names_place(report.body):
        lacks.append(f"单位全称（「{report.body}」未写明所属地方）")
    if not re.search(r"(19|20)\d{2}年", folded):
        lacks.append("年度")
    if report.format_for(ctx.year).sections:
        if "政府信息公开工作年度报告" not in folded:
            lacks.append("“政府信息公开工作年度报告”字样")
    elif not _TITLE_2008.search(folded):
        lacks.append("“政府信息公开年度报告”字样")
    locator = Locator(row="标题", source=str(report.title_source))
    if not lacks:
        yield s111.passed(locator)
        return
    yield s111.failed(
        f"报告标题「{report.title}」缺少{'、'.join(lacks)}。标题应为“（单位名称）XXXX年政府信息公开工作年度报告”。",
        locator,
        title=report.title,
        lacks=lacks,
    )


@rule("S112", "表格标签或单位与格式不一致", "info", _BASIS_FORMAT, "每个标签")
def s112(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails (info) for a table label or unit worded differently from the format the report follows (规范性文件,
    （单位：元）, 现行有效件, a local note printed into a label). A report for 2021 or later in the trial format is
    S108's; one for 2019 or 2020 in it is held to the trial format's own labels."""
    year = ctx.year or report.year
    if report.template == "2019-trial" and (year is None or year >= 2021):
        yield s112.not_applicable("试行格式（见 S108）")
        return
    template = "2019-trial" if report.template == "2019-trial" else "2021"
    seen: set[str] = set()
    for printed, wanted, text, source, formats in report.label_deviations:
        if printed in seen or template not in formats:
            continue
        seen.add(printed)
        yield s112.failed(
            f"表二标签「{text}」与格式不一致，格式规定为「{wanted}」。",
            Locator(section="二", table="表二", row=printed, source=str(source)),
            found=text,
            expected=wanted,
        )
    if not seen:
        yield s112.passed(Locator(section="二", table="表二"))


# The 2019 notice is cited by its number or by its title (国务院办公厅政府信息与政务公开办公室关于政府信息公开工作
# 年度报告有关事项的通知); the 2021 one by its number or as the notice issuing the 年度报告格式.
_BASIS_2019 = re.compile(
    r"〔2019〕60号|\[2019\]60号|（2019）60号|2019\)60号|格式\(试行\)|格式（试行）|关于政府信息公开工作年度报告有关事项的通知"
)
_BASIS_2021 = re.compile(r"2021.{0,3}30号|〔2021〕30")


@rule("S113", "仍以试行格式为依据", "info", "国办公开办函〔2021〕30号", "每份报告")
def s113(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails (info) when a report for 2021 or later cites only 国办公开办函〔2019〕60号 or the trial format as its basis."""
    year = ctx.year or report.year
    if year is None or year < 2021:
        yield s113.not_applicable("2021年度以前")
        return
    for paragraph in report.narrative:
        if _BASIS_2019.search(paragraph.text) and not _BASIS_2021.search(paragraph.text):
            if any(_BASIS_2021.search(p.text) for p in report.narrative):
                break
            yield s113.failed(
                f"{year}年度报告以国办公开办函〔2019〕60号或试行格式为编制依据，应依据国办公开办函〔2021〕30号。",
                Locator(section="一", source=str(paragraph.source)),
                found=paragraph.text[:120],
            )
            return
    yield s113.passed(Locator(section="一"))
