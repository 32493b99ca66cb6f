"""D rules that a single file can answer: publication after the deadline, image-only reports."""

from __future__ import annotations

from collections.abc import Iterator

from rules.deadlines import BODY_TYPE_ZH, default_deadline
from rules.report import AnnualReport
from rules.rule import Context, Locator, Outcome, rule


@rule("D602", "逾期公开", "error", "《政府信息公开条例》第四十九条；县政府办公室年度通知", "每份报告")
def d602(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when the report was published after its deadline: an error against a statutory deadline
    (departments 31 January, county governments 31 March), a warning against the county's notice (towns).

    Without a publication date, the day the report was first seen is an upper bound: seen by the deadline is a
    pass, seen after it is uncertain (it may have been published in time and found late), never a fail.

    n/a unless a date and the body type are given (--published, --body-type)."""
    year = ctx.year or report.year
    if (ctx.published_on is None and ctx.seen_by is None) or ctx.body_type is None or year is None:
        yield d602.not_applicable("未提供发布日期或单位类型")
        return
    deadline, statutory = default_deadline(ctx.body_type, year)
    if ctx.deadline is not None:
        deadline = ctx.deadline
    locator = Locator(row="发布日期")
    published = ctx.published_on
    if published is None:
        seen = ctx.seen_by or deadline
        if seen <= deadline:
            yield d602.passed(locator)
        else:
            yield d602.uncertain(
                f"发布日期无法确定，首次发现于{seen.isoformat()}（公开期限为{deadline.isoformat()}）："
                "页面、栏目列表和链接地址都没有给出发布日期，请核实实际发布日期。",
                locator,
                first_seen=seen.isoformat(),
                deadline=deadline.isoformat(),
            )
        return
    if published <= deadline:
        yield d602.passed(locator)
        return
    days = (published - deadline).days
    basis = "《政府信息公开条例》第四十九条规定的" if statutory else "县政府办公室通知规定的"
    yield d602.failed(
        f"{year}年度报告于{published.isoformat()}发布，晚于{basis}公开期限"
        f"（{BODY_TYPE_ZH[ctx.body_type]}：{deadline.month}月{deadline.day}日）{days}天。",
        locator,
        severity="error" if statutory else "warning",
        published=published.isoformat(),
        deadline=deadline.isoformat(),
        days_late=days,
    )


@rule("D604", "报告仅以图片或扫描件发布", "warning", "《政府网站发展指引》（国办发〔2017〕47号）", "每份报告")
def d604(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Fails when the report's text came only from images (a scan without a text layer, or picture files)."""
    if report.document.machine_readable:
        yield d604.passed()
        return
    yield d604.failed(
        "报告仅以图片或无文字层的扫描件发布，公众无法检索、复制其内容。应发布网页文本或可复制文字的文件。",
        Locator(row="全文"),
    )
