"""H rules: this year's report against the same body's report for the previous year (--previous)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from decimal import Decimal

from rules import template as t
from rules.labels import fmt_number, norm
from rules.report import AnnualReport
from rules.rule import Context, Locator, Outcome, rule
from rules.structure import table_locator

_BASIS = "国办公开办函〔2021〕30号（跨年度数据衔接）"


@rule("H501", "上年结转与上年报告的结转下年度不一致", "warning", _BASIS, "每一列")
def h501(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per column when this year's 二、上年结转 ≠ last year's 四、结转下年度继续办理."""
    previous = ctx.previous
    if previous is None:
        yield h501.not_applicable("未提供上一年度报告")
        return
    this, last = report.tables.get("t3"), previous.tables.get("t3")
    carried_in = this.row("carried_in") if this else None
    carried_out = last.row("carried_out") if last else None
    if this is None or last is None or carried_in is None or carried_out is None:
        yield h501.not_applicable("表三缺少所需的行")
        return
    for column in t.T3_COLUMNS:
        now, before = this.value(carried_in, column.key), last.value(carried_out, column.key)
        locator = table_locator(this, row="二、上年结转政府信息公开申请数量", column=column.label, source=str(carried_in.source))
        if now is None or before is None or now.reliable is None or before.reliable is None:
            if column.key in this.columns and column.key in last.columns:
                yield h501.uncertain(f"表三「{column.label}」列无法与上年报告对应，未核对。", locator)
            continue
        if now.reliable == before.reliable:
            yield h501.passed(locator)
        else:
            yield h501.failed(
                f"表三「{column.label}」列：本年“二、上年结转”为{fmt_number(now.reliable)}，"
                f"但上年报告“四、结转下年度继续办理”为{fmt_number(before.reliable)}，两者应相等。",
                locator,
                this_year=str(now.reliable),
                last_year=str(before.reliable),
            )


@rule("H502", "现行有效件数与上年衔接不上", "warning", _BASIS, "每一行（规章、行政规范性文件）")
def h502(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails per row of 表二（一） when 现行有效件数 ≠ last year's 现行有效件数 + 本年制发件数 − 本年废止件数."""
    previous = ctx.previous
    if previous is None:
        yield h502.not_applicable("未提供上一年度报告")
        return
    this, last = report.tables.get("t2.一"), previous.tables.get("t2.一")
    if this is None or last is None:
        yield h502.not_applicable("未找到表二（一）")
        return
    if "2019-trial" in (report.template, previous.template):
        yield h502.not_applicable("试行格式的表二（一）没有本年废止件数，无法衔接")
        return
    for key, label in (("rules", "规章"), ("normative", "行政规范性文件")):
        row, before = this.row(key), last.row(key)
        if row is None or before is None:
            continue
        locator = table_locator(this, row=label, column="现行有效件数", source=str(row.source))
        if not this.aligned(row) or not last.aligned(before) or any(v.reliable is None for v in (*row.values, before.values[2])):
            yield h502.uncertain(f"表二（一）「{label}」行无法与上年报告对应，未核对。", locator)
            continue
        made, repealed, in_force = (v.reliable or Decimal(0) for v in row.values)
        last_in_force = before.values[2].reliable or Decimal(0)
        expected = last_in_force + made - repealed
        if expected == in_force:
            yield h502.passed(locator)
        else:
            yield h502.failed(
                f"表二（一）「{label}」：现行有效件数为{fmt_number(in_force)}，但上年现行有效{fmt_number(last_in_force)} + "
                f"本年制发{fmt_number(made)} − 本年废止{fmt_number(repealed)} = {fmt_number(expected)}。"
                f"如有集中清理，请在报告中说明。",
                locator,
                expected=str(expected),
                found=str(in_force),
            )


_COPY_RATIO = 0.9


@rule("H503", "报告基本照搬上年", "warning", "《政府信息公开条例》第五十条", "每份报告")
def h503(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when sections 一 and 五 are almost identical to last year's (similarity ≥ 90 %)."""
    previous = ctx.previous
    if previous is None:
        yield h503.not_applicable("未提供上一年度报告")
        return
    ratios: dict[str, float] = {}
    for number in ("一", "五"):
        now, before = report.sections.get(number), previous.sections.get(number)
        if now is None or before is None or not now.text.strip() or not before.text.strip():
            continue
        # Years differ by design; compare the wording, not the dates.
        a = norm(now.text).replace(str(report.year), "#").replace(str(previous.year), "#")
        b = norm(before.text).replace(str(previous.year), "#").replace(str((previous.year or 0) - 1), "#")
        ratios[number] = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    if not ratios:
        yield h503.not_applicable("两年报告缺少第一或第五部分")
        return
    if len(ratios) == 2 and all(r >= _COPY_RATIO for r in ratios.values()):
        shown = "、".join(f"第{n}部分{r:.0%}" for n, r in ratios.items())
        yield h503.failed(
            f"本年报告与上年报告高度雷同（相似度：{shown}），请据实反映本年度工作情况和问题。",
            Locator(section="一、五"),
            similarity={k: round(v, 3) for k, v in ratios.items()},
        )
    else:
        yield h503.passed(Locator(section="一、五"))
