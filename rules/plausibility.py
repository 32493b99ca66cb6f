"""P rules: figures that cannot be right for the kind of body that reports them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from rules.deadlines import BODY_TYPE_ZH, body_type_named_in, infer_body_type
from rules.labels import fmt_number
from rules.report import AnnualReport
from rules.rule import Context, Outcome, rule
from rules.structure import table_locator


@rule("P401", "非设区的市以上政府填报了规章数据", "error", "《中华人民共和国立法法》第九十三条（规章制定主体）", "每份报告")
def p401(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when a town, a county department or a county government reports non-zero 规章 figures in 表二（一）.

    The body type comes from --body-type, else from the body's name, else (no name found) from how the report
    speaks of itself (我镇, 本乡 …); n/a when none tells."""
    table = report.tables.get("t2.一")
    row = table.row("rules") if table else None
    if table is None or row is None:
        yield p401.not_applicable("未找到表二（一）规章行")
        return
    body_type = ctx.body_type or infer_body_type(report.body)
    if body_type is None and report.body is None:
        body_type = body_type_named_in("\n".join(p.text for p in report.narrative[:12]))
    if body_type is None:
        yield p401.not_applicable("无法确定单位类型")
        return
    locator = table_locator(table, row="规章", source=str(row.source))
    nonzero = [(i, v) for i, v in enumerate(row.values) if v.reliable is not None and v.reliable != 0]
    if not nonzero:
        if table.aligned(row) and all(v.reliable is not None for v in row.values):
            yield p401.passed(locator)
        else:
            yield p401.uncertain("表二（一）「规章」行的数值未能逐一读出，未核对。", locator)
        return
    aligned = table.aligned(row)
    shown = "、".join(
        f"{table.column_label(i) if aligned else f'第{i + 1}个数值'}为{fmt_number(v.reliable or Decimal(0))}" for i, v in nonzero
    )
    first = nonzero[0][0]
    yield p401.failed(
        f"表二（一）「规章」行{shown}。{BODY_TYPE_ZH[body_type]}没有规章制定权，规章各项应为0。",
        table_locator(table, row="规章", column=table.column_label(first) if aligned else None, source=str(row.source)),
        body_type=body_type,
        values=[v.raw for v in row.values],
    )


_FEE = re.compile(r"信息处理费")


@rule("P402", "有逾期未缴费不再处理的申请但未说明信息处理费", "warning", "《政府信息公开信息处理费管理办法》", "每份报告")
def p402(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when 表三 （六）2 (fees not paid) is non-zero but section 六 says nothing about 信息处理费."""
    table = report.tables.get("t3")
    row = table.row("六.2") if table else None
    if table is None or row is None:
        yield p402.not_applicable("未找到表三（六）2行")
        return
    nonzero = [v for v in row.values if v.reliable is not None and v.reliable != 0]
    locator = table_locator(table, row=row.label, source=str(row.source))
    if not nonzero:
        if not table.aligned(row) or any(v.reliable is None for v in row.values):
            yield p402.uncertain(f"表三「{row.label}」行的数值未能逐一读出，未核对。", locator)
        else:
            yield p402.not_applicable("（六）2 为0")
        return
    section = report.sections.get("六")
    if section is None:
        yield p402.not_applicable("未找到第六部分")
        return
    if _FEE.search(section.text):
        yield p402.passed(locator)
        return
    yield p402.failed(
        f"表三「{row.label}」有非零数据（{'、'.join(v.raw for v in nonzero)}），说明本年度发出过收费通知，"
        f"但第六部分未说明信息处理费的收取情况。",
        locator,
        values=[v.raw for v in row.values],
    )
