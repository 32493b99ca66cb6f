"""Chinese labels of states, severities, events, notification kinds (from :mod:`notifications.render`) and the
rules the monitor itself evaluates: the one mapping that the dashboard and the command line (``nianbao findings``)
use wherever a person reads them. The English codes stay what the store, the JSON API and ``--format json`` carry.

Deliberately light (no Flask): the command line imports it without the web application.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notifications.render import NOTIFICATION_ZH, notification_zh
from rules import RULES_BY_ID
from rules.registry import MONITOR_RULE_INFO
from rules.rule import SEVERITY_ZH

__all__ = [
    "EVENT_ZH",
    "NOTIFICATION_ZH",
    "SEVERITY_ZH",
    "STATE_ZH",
    "RuleInfo",
    "event_zh",
    "notification_zh",
    "rule_info",
]

STATE_ZH = {"open": "待整改", "acknowledged": "已确认", "muted": "已静默", "resolved": "已整改"}

#: Every kind of event the store writes, as the finding page and ``nianbao findings show`` name it.
EVENT_ZH = {
    "finding.opened": "发现",
    "finding.reopened": "再次出现",
    "finding.resolved": "已整改",
    "finding.acknowledged": "已确认",
    "finding.muted": "静默",
    "finding.unmuted": "取消静默",
    "finding.escalated": "已督办",
    "finding.reattributed": "重新归属",
    "finding.superseded": "按单位重新记录（本条关闭）",
    "notification.sent": "已通知",
    "notification.gave_up": "通知发送失败",
    "notification.exhausted": "通知多次发送失败（转为慢速重试）",
    "notification.dropped": "通知已取消发送",
    "document.new": "发现新报告",
    "document.changed": "报告内容有变化",
    "document.rejected": "文件未采用",
    "document.unreadable": "文件无法读取",
    "document.unreachable": "报告链接无法打开",
    "document.reattributed": "重新识别所属单位",
    "crawl.failed": "抓取失败",
    "deadline.reminder": "公开提醒",
    "deadline.skipped": "暂不判断逾期（门户网站抓取失败）",
    "review.reviewed": "已人工核对",
    "store.rechecked": "已重新检查",
}


#: A resolution that a re-check with new rules or a re-attribution made (``cause`` other than ``check``): nothing
#: was fixed by the body, so it is not called 已整改.
RESOLVED_WITHOUT_FIX = "不再出现（重新检查后）"


def event_zh(kind: str, data: Mapping[str, Any] | None = None) -> str:
    """The Chinese name of an event kind (with its ``data``, when the name depends on it); a kind without one is
    shown as 其他事件 with its code."""
    if kind == "finding.resolved" and (data or {}).get("cause", "check") != "check":
        return RESOLVED_WITHOUT_FIX
    return EVENT_ZH.get(kind) or f"其他事件（{kind}）"


@dataclass(frozen=True)
class RuleInfo:
    """What the finding page says about the rule: title and basis."""

    id: str
    title: str
    basis: str


def rule_info(rule_id: str) -> RuleInfo:
    """Title and basis of a rule by id, from the checker's registry or the monitor's rules
    (:data:`rules.registry.MONITOR_RULE_INFO`); an unknown id is shown as itself."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is not None:
        return RuleInfo(rule.id, rule.title, rule.basis)
    monitor = MONITOR_RULE_INFO.get(rule_id)
    if monitor is not None:
        return RuleInfo(monitor.id, monitor.title, monitor.basis)
    return RuleInfo(rule_id, rule_id, "")
