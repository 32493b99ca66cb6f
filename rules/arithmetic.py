"""A rules: the arithmetic relations of 表二, 表三 and 表四 (勾稽关系), applied per column or per row."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from rules import template as t
from rules.labels import fmt_number
from rules.report import AnnualReport, ParsedTable, Row, Value
from rules.rule import Context, Outcome, Rule, rule
from rules.structure import table_locator

_BASIS = "国办公开办函〔2021〕30号《政府信息公开工作年度报告格式》表三、表四勾稽关系"


def _numbers(values: Sequence[Value | None]) -> list[Decimal] | None:
    """The numbers of the cells, or None when any is missing, blank, not a number or doubtful (OCR)."""
    out: list[Decimal] = []
    for value in values:
        if value is None or value.number is None or value.doubtful:
            return None
        out.append(value.number)
    return out


def _unaligned(table: ParsedTable, rows: Sequence[Row | None]) -> list[str]:
    return [row.label for row in rows if row is not None and not table.aligned(row)]


def _structure_doubt(check: Rule, table: ParsedTable, what: str, rows: Sequence[Row | None]) -> Outcome | None:
    """An uncertain outcome when the rows needed cannot be read cell by cell."""
    if table.truncated:
        return check.uncertain(f"{table.name}位于节选文本末尾，可能被截断，未核对{what}。", table_locator(table))
    if any(row is None for row in rows):
        return check.not_applicable("缺少所需的行（见 S104）")
    bad = _unaligned(table, rows)
    if bad:
        shown = "、".join(f"「{b}」" for b in bad[:4]) + (f"等{len(bad)}行" if len(bad) > 4 else "")
        return check.uncertain(
            f"{table.name}{shown}的数值个数与表头列数不符，无法确定各数值所属的列，未核对{what}。",
            table_locator(table, row="、".join(bad)),
        )
    return None


def _t3_rows(report: AnnualReport) -> tuple[ParsedTable | None, tuple[str, ...]]:
    table = report.tables.get("t3")
    trial = report.template == "2019-trial"
    return table, (t.T3_RESULT_ROWS_TRIAL if trial else t.T3_RESULT_ROWS)


@rule("A201", "表三 一+二 ≠（七）总计+四", "error", _BASIS, "每一列")
def a201(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per column of 表三 when 一、本年新收 + 二、上年结转 ≠ （七）总计 + 四、结转下年度继续办理.

    Uncertain when one of the four rows cannot be aligned with the columns or a cell is not a number."""
    table, _results = _t3_rows(report)
    if table is None:
        yield a201.not_applicable("未找到表三")
        return
    rows = [table.row(k) for k in ("new", "carried_in", "total", "carried_out")]
    doubt = _structure_doubt(a201, table, "“第一项加第二项之和等于第三项加第四项之和”", rows)
    if doubt:
        yield doubt
        return
    new, carried_in, total, carried_out = (r for r in rows if r is not None)
    for column in table.columns:
        label = t.T3_COLUMN[column].label
        numbers = _numbers([table.value(r, column) for r in (new, carried_in, total, carried_out)])
        locator = table_locator(table, row="一、二、（七）、四", column=label, source=str(new.source))
        if numbers is None:
            yield a201.uncertain(f"表三「{label}」列有空白或非数字单元格，未核对。", locator)
            continue
        a, b, c, d = numbers
        if a + b == c + d:
            yield a201.passed(locator)
        else:
            yield a201.failed(
                f"表三「{label}」列：一、本年新收（{fmt_number(a)}）+ 二、上年结转（{fmt_number(b)}）= {fmt_number(a + b)}，"
                f"但（七）总计（{fmt_number(c)}）+ 四、结转下年度继续办理（{fmt_number(d)}）= {fmt_number(c + d)}。"
                f"按表三勾稽关系，两者应相等。",
                locator,
                new=str(a),
                carried_in=str(b),
                total=str(c),
                carried_out=str(d),
                left=str(a + b),
                right=str(c + d),
            )


@rule("A202", "表三（七）总计 ≠ 各办理结果之和", "error", _BASIS, "每一列")
def a202(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per column of 表三 when （七）总计 ≠ the sum of the 21 result rows （一）…（六）3 (19 in the trial format)."""
    table, results = _t3_rows(report)
    if table is None:
        yield a202.not_applicable("未找到表三")
        return
    total = table.row("total")
    result_rows = [table.row(k) for k in results]
    doubt = _structure_doubt(a202, table, "（七）总计", [total, *result_rows])
    if doubt:
        yield doubt
        return
    assert total is not None
    for column in table.columns:
        label = t.T3_COLUMN[column].label
        values = [table.value(r, column) for r in result_rows if r is not None]
        numbers = _numbers(values)
        stated = table.value(total, column)
        locator = table_locator(table, row="（七）总计", column=label, source=str(total.source))
        if numbers is None or stated is None or stated.number is None or stated.doubtful:
            yield a202.uncertain(f"表三「{label}」列有空白或非数字单元格，未核对（七）总计。", locator)
            continue
        computed = sum(numbers, Decimal(0))
        if computed == stated.number:
            yield a202.passed(locator)
        else:
            yield a202.failed(
                f"表三「{label}」列：（七）总计填写为{fmt_number(stated.number)}，"
                f"但（一）至（六）各项办理结果之和为{fmt_number(computed)}。",
                locator,
                stated=str(stated.number),
                computed=str(computed),
            )


@rule("A203", "表三 总计 ≠ 各类申请人之和", "error", _BASIS, "每一行")
def a203(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per row of 表三 when 总计 ≠ 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他.

    Uncertain when a column is missing from the header or the row cannot be aligned."""
    table = report.tables.get("t3")
    if table is None:
        yield a203.not_applicable("未找到表三")
        return
    if table.truncated:
        yield a203.uncertain("表三位于节选文本末尾，可能被截断，未核对各行总计。", table_locator(table))
        return
    if table.missing_columns:
        missing = "、".join(t.T3_COLUMN[k].label for k in table.missing_columns)
        yield a203.uncertain(f"表三缺少「{missing}」列（见 S105），无法核对各行总计。", table_locator(table, column=missing))
        return
    unaligned: list[str] = []
    for row in table.rows:
        if row.key is None:
            continue
        if not table.aligned(row):
            unaligned.append(row.label)
            continue
        locator = table_locator(table, row=row.label, column="总计", source=str(row.source))
        numbers = _numbers([table.value(row, c) for c in t.T3_APPLICANTS])
        stated = table.value(row, "total")
        if numbers is None or stated is None or stated.number is None or stated.doubtful:
            yield a203.uncertain(f"表三「{row.label}」行有空白或非数字单元格，未核对总计。", locator)
            continue
        computed = sum(numbers, Decimal(0))
        if computed == stated.number:
            yield a203.passed(locator)
        else:
            parts = " + ".join(fmt_number(n) for n in numbers)
            yield a203.failed(
                f"表三「{row.label}」行：「总计」列填写为{fmt_number(stated.number)}，"
                f"但自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他六列之和为 {parts} = {fmt_number(computed)}。",
                locator,
                stated=str(stated.number),
                computed=str(computed),
            )
    if unaligned:
        yield a203.uncertain(
            f"表三有{len(unaligned)}行的数值个数与表头列数不符，未核对这些行的总计："
            f"{'、'.join(unaligned[:4])}{'等' if len(unaligned) > 4 else ''}。",
            table_locator(table, row="、".join(unaligned)),
        )


@rule("A204", "表四 总计 ≠ 各结果之和", "error", _BASIS, "每组（行政复议、直接起诉、复议后起诉）")
def a204(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per group of 表四 when 总计 ≠ 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    table = report.tables.get("t4")
    if table is None:
        yield a204.not_applicable("未找到表四")
        return
    row = table.rows[0] if table.rows else None
    doubt = _structure_doubt(a204, table, "各组总计", [row])
    if doubt:
        yield doubt
        return
    assert row is not None
    for index, group in enumerate(t.T4_GROUPS):
        cells = row.values[index * 5 : index * 5 + 5]
        locator = table_locator(table, row=group.label, column="总计", source=str(cells[4].source))
        numbers = _numbers(cells)
        if numbers is None:
            yield a204.uncertain(f"表四「{group.label}」有空白或非数字单元格，未核对总计。", locator)
            continue
        upheld, corrected, other, pending, total = numbers
        computed = upheld + corrected + other + pending
        if computed == total:
            yield a204.passed(locator)
        else:
            yield a204.failed(
                f"表四「{group.label}」：「总计」填写为{fmt_number(total)}，"
                f"但结果维持（{fmt_number(upheld)}）+ 结果纠正（{fmt_number(corrected)}）"
                f"+ 其他结果（{fmt_number(other)}）+ 尚未审结（{fmt_number(pending)}）= {fmt_number(computed)}。",
                locator,
                stated=str(total),
                computed=str(computed),
            )


_WANTED = {"count": "非负整数", "amount": "非负金额", "change": "整数"}


def _fits(number: Decimal | None, kind: str) -> bool:
    """Whether a cell's number is what a column of ``kind`` holds."""
    if number is None:
        return False
    integral = number == number.to_integral_value()
    if kind == "amount":
        return number >= 0
    if kind == "change":
        return integral
    return number >= 0 and integral


@rule("A205", "数值不是非负整数或非负金额", "error", _BASIS, "每个单元格")
def a205(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per cell holding something other than what its column holds: a non-negative integer (counts), a
    non-negative amount (表二（八）'s fee in 万元, the trial format's 采购总金额), an integer (the trial format's
    本年增/减, which may be negative). In a row whose values cannot be aligned with the columns a value is held to the
    most lenient kind of the table.

    Blank cells are S106's; not applicable before 2019 (no fixed tables)."""
    if not report.format_for(ctx.year).fixed_tables:
        yield a205.not_applicable("2019年以前的报告没有统一表格")
        return
    checked = 0
    for _kind, table in sorted(report.tables.items()):
        lenient = next((k for k in ("amount", "change") if k in table.column_kinds), "count")
        for row in table.rows:
            if row.unread:
                continue  # which cell is a value is not known (S106 says so)
            aligned = table.aligned(row)
            for index, value in enumerate(row.values):
                if value.blank:
                    continue
                if value.doubtful:
                    yield a205.uncertain(
                        f"{table.name}「{row.label}」行第{index + 1}个数值识别为「{value.raw}」，图片识别置信度低，请人工核对。",
                        table_locator(table, row=row.label, source=str(value.source)),
                    )
                    continue
                checked += 1
                kind = table.column_kind(index) if aligned else lenient
                if _fits(value.number, kind):
                    continue
                column = table.column_label(index) if aligned else f"第{index + 1}个数值"
                wanted = _WANTED[kind] + ("（单位：万元）" if kind == "amount" and table.kind == "t2.八" else "")
                yield a205.failed(
                    f"{table.name}「{row.label}」行「{column}」填写为「{value.raw}」，应为{wanted}。",
                    table_locator(table, row=row.label, column=column, source=str(value.source)),
                    found=value.raw,
                )
    if checked:
        yield a205.passed()
    else:
        yield a205.not_applicable("没有可核对的数值")


@rule("A206", "小计 ≠ 各分项之和", "error", _BASIS, "每个小计行的每一列")
def a206(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per subtotal row and column when it ≠ the sum of its items.

    Subtotal rows for （三）（四）（五）（六） are added by some local templates; n/a without them."""
    table = report.tables.get("t3")
    subtotals = [row for row in table.rows if row.subtotal] if table else []
    if table is None or not subtotals:
        yield a206.not_applicable("表三没有小计行")
        return
    for sub in subtotals:
        if sub.key is None or sub.key[0] not in t.T3_GROUPS:
            yield a206.uncertain(
                f"表三「{sub.label}」看似小计行，但无法确定它属于哪一组办理结果，未核对。", table_locator(table, row=sub.label)
            )
            continue
        group = sub.key[0]
        items = [table.row(r.key) for r in t.T3_ROWS if r.group == group]
        doubt = _structure_doubt(a206, table, f"「{sub.label}」", [sub, *items])
        if doubt:
            yield doubt
            continue
        for column in table.columns:
            label = t.T3_COLUMN[column].label
            stated = table.value(sub, column)
            numbers = _numbers([table.value(r, column) for r in items if r is not None])
            locator = table_locator(table, row=sub.label, column=label, source=str(sub.source))
            if numbers is None or stated is None or stated.number is None or stated.doubtful:
                yield a206.uncertain(f"表三「{sub.label}」「{label}」列有空白或非数字单元格，未核对。", locator)
                continue
            computed = sum(numbers, Decimal(0))
            if computed == stated.number:
                yield a206.passed(locator)
            else:
                yield a206.failed(
                    f"表三「{sub.label}」「{label}」列填写为{fmt_number(stated.number)}，但其各分项之和为{fmt_number(computed)}。",
                    locator,
                    stated=str(stated.number),
                    computed=str(computed),
                )
