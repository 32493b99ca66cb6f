"""Rendering: outbox payloads → messages (title, text, HTML) with the jinja2 templates in ``templates/``.

HTML templates (``*.html.j2``) are autoescaped; text templates are not. Undefined variables are errors, so a
payload missing a field fails loudly in the tests, not silently in a county office's inbox.
Each finding in a message carries 单位, 年报, 问题, 位置, 依据 and 要求, and links to the report and, when
``county.dashboard_url`` is configured, to the finding on the dashboard. The text is written by the ``*.txt.j2``
templates, one labelled field per line (``位置：…``), a blank line between findings; it is what the e-mail's
plain-text part shows (see transports.py). Places are told as a clerk says them (rules/locations.py; element paths
never reach a message), times in the county's time zone (:func:`monitor.clock.local_time`).

The kinds of message are listed once, in :data:`KINDS`: adding one is a title there and a ``<template>.txt.j2`` /
``<template>.html.j2`` pair (or an existing pair that switches on ``kind``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from monitor.clock import local_time
from monitor.config import Config
from monitor.store.notify_queries import ReportRef
from monitor.store.status import reason_zh, run_reason_zh
from notifications.routes import COUNTY_NAME, body_name
from notifications.transports import Message
from rules import RULES_BY_ID
from rules.locations import describe
from rules.registry import MONITOR_RULE_INFO
from rules.rule import SEVERITY_RANK, SEVERITY_ZH

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
    "D606": "请修复年报链接（页面或附件）使其可以正常打开，或在原栏目重新发布年度报告。",
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
    env.filters["local_time"] = _local_time
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


def _local_time(at: datetime | None, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The ``local_time`` filter: ``at`` in the time zone ``tz``; without one, in the zone ``at`` carries (the
    digest's times are already in the county's zone), UTC for a naive time."""
    if at is None:
        return ""
    zone = tz or getattr(at.tzinfo, "key", None) or "UTC"
    return local_time(at, zone, fmt)


def rule_title(rule: str) -> str:
    """The rule's title in Chinese (the checker's registry, or :data:`rules.registry.MONITOR_RULE_INFO`)."""
    if rule in RULES_BY_ID:
        return RULES_BY_ID[rule].title
    monitor = MONITOR_RULE_INFO.get(rule)
    return monitor.title if monitor is not None else rule


def rule_basis(rule: str) -> str:
    """The legal or format basis of a rule (the checker's registry, or the monitor's rules)."""
    if rule in RULES_BY_ID:
        return RULES_BY_ID[rule].basis
    monitor = MONITOR_RULE_INFO.get(rule)
    return monitor.basis if monitor is not None else "国家规定格式（国办公开办函〔2021〕30号）"


def requirement(rule: str) -> str:
    """What the responsible office must do about a finding of ``rule``."""
    return REQUIREMENTS.get(rule) or REQUIREMENTS.get(rule[:1]) or REQUIREMENTS["D"]


#: Where a finding is, as a clerk says it (``表三「其他」（第48行）``): :func:`rules.locations.describe` itself,
#: under the name digest.py imports.
where = describe


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
        "where": describe(item.get("locator") or {}),
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
    """The message of an outbox row of ``kind`` (one of :data:`KINDS`, or ``digest``): the kind's title, the text
    its ``*.txt.j2`` template writes (one field per line) and the HTML of its ``*.html.j2``. A digest row carries
    its message as it was rendered when queued.

    ``report`` is the report the row is about; ``refs`` the reports of its findings, by document id.
    """
    if kind == "digest":
        return Message(str(payload["title"]), str(payload["text"]), payload.get("html"))
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r} (known: digest, {', '.join(sorted(KINDS))})")
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
    if kind == "crawl_problem":
        context |= crawl_problem_context(payload, config)
    context["title"] = title = spec.title(context)
    return Message(
        title, render_template(f"{spec.template}.txt.j2", **context), render_template(f"{spec.template}.html.j2", **context)
    )


def crawl_problem_context(payload: Mapping[str, Any], config: Config) -> dict[str, Any]:
    """What the ``crawl_problem`` templates show: the portal (its configured name now, else the one queued), the
    columns that could not be read with their reasons in Chinese, the failed runs so far, the run's reason, and the
    dashboard's 抓取情况 page when a dashboard URL is configured."""
    portal = next((p for p in config.portals if p.id == payload.get("portal_id")), None)
    columns = [{"url": str(c["url"]), "reason_zh": reason_zh(c.get("reason"))} for c in payload.get("columns", [])]
    return {
        "portal": portal.name if portal is not None else str(payload.get("portal_name") or payload.get("portal_id")),
        "columns": columns,
        "runs": int(payload.get("runs", 1)),
        "reason_zh": run_reason_zh(payload.get("reason")),
        "crawls": f"{config.dashboard_url.rstrip('/')}/crawls" if config.dashboard_url else None,
    }


def _year(c: Mapping[str, Any]) -> str:
    return f"{c['year']}年度" if c["year"] else ""


@dataclass(frozen=True)
class Kind:
    """A kind of message: its title from the template context, and the templates that write it
    (``<template>.txt.j2`` for the text, ``<template>.html.j2`` for the HTML; one pair may serve several kinds)."""

    title: Callable[[Mapping[str, Any]], str]
    template: str


#: Every kind of message an outbox row can hold (the weekly digest is rendered when it is queued; see digest.py).
KINDS: dict[str, Kind] = {
    "findings": Kind(lambda c: f"【年报问题】{c['body']}{_year(c)}报告发现{len(c['findings'])}个问题，请整改", "findings"),
    "repeat": Kind(lambda c: f"【再次提醒】{c['body']}有{len(c['findings'])}个错误尚未整改", "findings"),
    "escalation": Kind(
        lambda c: f"【督办】{len(c['findings'])}个错误超过{c['days']}天未整改（{len(c['groups'])}个单位）", "findings"
    ),
    "summary": Kind(lambda c: f"【新发现错误】{len(c['groups'])}个单位的年度报告发现{len(c['findings'])}个错误", "findings"),
    "resolved": Kind(lambda c: f"【已整改】{c['body']}{_year(c)}报告的{len(c['findings'])}个问题已整改", "resolved"),
    "missing": Kind(lambda c: f"【年报未公开】{c['body']}{_year(c)}报告已过公开期限仍未公开", "missing"),
    "reminder": Kind(lambda c: f"【公开提醒】{c['body']}{_year(c)}报告须于{zh_date(c['deadline'])}前公开", "reminder"),
    "crawl_problem": Kind(lambda c: f"【抓取异常】{c['portal']}的年报栏目无法正常读取", "crawl_problem"),
}

#: Every kind of notification (outbox row), as the digest's delivery table and the dashboard name it.
NOTIFICATION_ZH = {
    "findings": "问题通知",
    "resolved": "整改通知",
    "repeat": "再次提醒",
    "escalation": "督办",
    "summary": "新发现错误汇总",
    "reminder": "公开提醒",
    "missing": "未公开通知",
    "crawl_problem": "抓取异常通知",
    "digest": "周报",
}


def duration_zh(seconds: int) -> str:
    """A duration as people say it: ``6小时``, ``1天``, ``30分钟``, ``1小时30分钟``."""
    days, rest = divmod(max(int(seconds), 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟"), (secs, "秒")) if n]
    return "".join(parts) or "0秒"


def notification_zh(kind: str) -> str:
    """The Chinese name of a notification kind; a kind without one is shown as 其他通知 with its code."""
    return NOTIFICATION_ZH.get(kind) or f"其他通知（{kind}）"
