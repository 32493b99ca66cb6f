"""Rendering: outbox payloads → messages (title, text, HTML) with the jinja2 templates in ``templates/``.

HTML templates (``*.html.j2``) are autoescaped; text templates are not. Undefined variables are errors, so a
payload missing a field fails loudly in the tests, not silently in a county office's inbox.
Each finding in a message carries 单位, 年报, 问题, 位置, 依据 and 要求, and links to the report and, when
``county.dashboard_url`` is configured, to the finding on the dashboard. The text is written by the ``*.txt.j2``
templates, one labelled field per line; it is what the e-mail's plain-text part shows (see transports.py).
Places are told as a clerk says them (rules/locations.py), times in the county's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from monitor.clock import local_time
from monitor.config import Config
from monitor.store.notify_queries import ReportRef
from notifications.routes import COUNTY_NAME, body_name
from notifications.transports import Message
from rules import RULES_BY_ID
from rules.locations import describe
from rules.rule import SEVERITY_RANK, SEVERITY_ZH

#: Rules the monitor evaluates (not in the rule registry): title and basis for messages.
MONITOR_RULES: dict[str, tuple[str, str]] = {
    "D601": ("年度报告逾期未公开", "《政府信息公开条例》第四十九条"),
    "D603": ("公开期限后修改年度报告", "《政府信息公开条例》第四十九条；县政府办公室年度通知"),
    "D605": ("年度报告未发布在年报栏目", "县政府办公室年度通知（年报栏目）"),
    "D606": (
        "年报栏目列出的报告无法打开",
        "《政府信息公开条例》第四十九条；《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）",
    ),
}

#: What the responsible office must do, by rule id or family letter (the rule id wins).
REQUIREMENTS: dict[str, str] = {
    "S": "请按国家规定格式（国办公开办函〔2021〕30号）补正报告，在原栏目重新发布更正后的年度报告。",
    "A": "请核对表格数据、改正不成立的勾稽关系，在原栏目重新发布更正后的年度报告。",
    "T": "请补充或改正相关内容，在原栏目重新发布更正后的年度报告。",
    "P": "请核实相关数据是否真实准确；有误的请更正后重新发布，无误的请向县政府办公室说明。",
    "H": "请对照上一年度报告核实本年度内容，更正后在原栏目重新发布。",
    "D": "请按要求整改，并将整改情况报县政府办公室。",
    "D601": "请尽快在本单位政府信息公开专栏发布本年度报告，并向县政府办公室说明逾期原因。",
    "D602": "报告已逾期公开，请向县政府办公室说明原因，今后在期限前公开。",
    "D603": "公开期限后修改年度报告的，应在报告中说明更正情况并重新发布。",
    "D604": "请同时发布可以复制文字的网页或文件（不要只发布图片或扫描件）。",
    "D605": "请将年度报告发布到本单位的政府信息公开年报栏目。",
    "D606": "年报栏目中列出的报告无法打开，请修复链接或重新上传报告文件，确保公众能够正常查看。",
}

_TEMPLATES = jinja2.PackageLoader("notifications", "templates")


@cache
def environment() -> jinja2.Environment:
    """The template environment: autoescape for ``*.html.j2``, strict undefined, trimmed blocks."""
    env = jinja2.Environment(
        loader=_TEMPLATES,
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["zh_date"] = zh_date
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one template of ``templates/`` with ``context``."""
    return environment().get_template(name).render(**context)


def zh_date(value: date | str | None) -> str:
    """``2026年2月3日`` from a date or ISO date string; empty for None."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def rule_title(rule: str) -> str:
    """The rule's title in Chinese."""
    if rule in RULES_BY_ID:
        return RULES_BY_ID[rule].title
    return MONITOR_RULES.get(rule, (rule, ""))[0]


def rule_basis(rule: str) -> str:
    """The legal or format basis of a rule (from the rules registry)."""
    if rule in RULES_BY_ID:
        return RULES_BY_ID[rule].basis
    return MONITOR_RULES.get(rule, ("", "国家规定格式（国办公开办函〔2021〕30号）"))[1]


def requirement(rule: str) -> str:
    """What the responsible office must do about a finding of ``rule``."""
    return REQUIREMENTS.get(rule) or REQUIREMENTS.get(rule[:1]) or REQUIREMENTS["D"]


def where(locator: Mapping[str, Any]) -> str:
    """Where a finding is, as a clerk says it (``表三「其他」（第48行）``; see :func:`rules.locations.describe`)."""
    return describe(locator)


def dashboard_link(config: Config, finding_id: int | None) -> str | None:
    """The finding's page on the dashboard, when a dashboard URL is configured."""
    if not config.dashboard_url or finding_id is None:
        return None
    return f"{config.dashboard_url.rstrip('/')}/findings/{finding_id}"


def _local_date(value: str | None, tz: ZoneInfo) -> date | None:
    return datetime.fromisoformat(value).astimezone(tz).date() if value else None


def finding_context(item: Mapping[str, Any], config: Config, refs: Mapping[int, ReportRef], now: datetime) -> dict[str, Any]:
    """What a template shows of one finding of a payload."""
    tz = ZoneInfo(config.timezone)
    first_seen = _local_date(item.get("first_seen"), tz)
    ref = refs.get(item["document_id"]) if item.get("document_id") is not None else None
    rule = str(item["rule"])
    return {
        "id": item.get("id"),
        "rule": rule,
        "rule_title": rule_title(rule),
        "severity": item["severity"],
        "severity_zh": SEVERITY_ZH.get(item["severity"], item["severity"]),
        "message": item["message"],
        "where": where(item.get("locator") or {}),
        "basis": rule_basis(rule),
        "requirement": requirement(rule),
        "link": dashboard_link(config, item.get("id")),
        "body": body_name(config, item.get("body_id")),
        "year": item.get("year"),
        "report": _report(ref),
        "first_seen": first_seen,
        "age_days": (now.astimezone(tz).date() - first_seen).days if first_seen else None,
    }


def _report(ref: ReportRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    title = ref.title or (f"{ref.year}年度政府信息公开工作年度报告" if ref.year else "政府信息公开工作年度报告")
    return {"title": title, "year": ref.year, "url": ref.url, "published_on": ref.published_on}


def _findings(
    items: Sequence[Mapping[str, Any]], config: Config, refs: Mapping[int, ReportRef], now: datetime
) -> list[dict[str, Any]]:
    found = [finding_context(item, config, refs, now) for item in items]
    return sorted(found, key=lambda f: (-SEVERITY_RANK.get(f["severity"], 0), f["rule"], f["where"]))


def _groups(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        groups.setdefault(finding["body"], []).append(finding)
    return [{"body": body, "findings": items} for body, items in groups.items()]


def render_message(
    kind: str,
    payload: Mapping[str, Any],
    config: Config,
    *,
    now: datetime,
    report: ReportRef | None = None,
    refs: Mapping[int, ReportRef] | None = None,
) -> Message:
    """The message of an outbox row of ``kind`` (findings, repeat, escalation, summary, resolved, missing, reminder,
    digest): a title, the text written by ``<kind>.txt.j2`` (one field per line) and the HTML of ``<kind>.html.j2``.

    ``report`` is the report the row is about; ``refs`` the reports of its findings, by document id.
    """
    if kind == "digest":
        return Message(str(payload["title"]), str(payload["text"]), payload.get("html"))
    refs = dict(refs or {})
    if report is not None and report.document_id is not None:
        refs.setdefault(report.document_id, report)
    findings = _findings(payload.get("findings", []), config, refs, now)
    errors = sum(1 for f in findings if f["severity"] == "error")
    context: dict[str, Any] = {
        "county": config.county_name,
        "office": COUNTY_NAME,
        "kind": kind,
        "body": body_name(config, payload.get("body_id")),
        "year": payload.get("year"),
        "report": _report(report),
        "findings": findings,
        "groups": _groups(findings),
        "errors": errors,
        "still_open": int(payload.get("still_open", 0)),
        "days": payload.get("days"),
        "deadline": payload.get("deadline"),
        "days_left": payload.get("days_left"),
        "since": local_time(datetime.fromisoformat(str(payload["since"])), config.timezone) if payload.get("since") else None,
        "dashboard": config.dashboard_url.rstrip("/") if config.dashboard_url else None,
    }
    title = _title(kind, context)
    context["title"] = title
    name = {"repeat": "findings", "escalation": "findings", "summary": "findings"}.get(kind, kind)
    return Message(title, render_template(f"{name}.txt.j2", **context), render_template(f"{name}.html.j2", **context))


def _title(kind: str, c: Mapping[str, Any]) -> str:
    n = len(c["findings"])
    year = f"{c['year']}年度" if c["year"] else ""
    if kind == "findings":
        return f"【年报问题】{c['body']}{year}报告发现{n}个问题，请整改"
    if kind == "repeat":
        return f"【再次提醒】{c['body']}有{n}个错误尚未整改"
    if kind == "escalation":
        return f"【督办】{n}个错误超过{c['days']}天未整改（{len(c['groups'])}个单位）"
    if kind == "summary":
        return f"【新发现错误】{len(c['groups'])}个单位的年度报告发现{n}个错误"
    if kind == "resolved":
        return f"【已整改】{c['body']}{year}报告的{n}个问题已整改"
    if kind == "missing":
        return f"【年报未公开】{c['body']}{year}报告已过公开期限仍未公开"
    if kind == "reminder":
        return f"【公开提醒】{c['body']}{year}报告须于{zh_date(c['deadline'])}前公开"
    raise ValueError(f"unknown notification kind {kind!r}")
