"""Chinese labels of states, severities, events and the rules the monitor itself evaluates: the one mapping the
dashboard and the command line (``nianbao findings``) both use."""

from __future__ import annotations

from dataclasses import dataclass

from rules import RULES_BY_ID
from rules.rule import SEVERITY_ZH

__all__ = ["EVENT_ZH", "SEVERITY_ZH", "STATE_ZH", "RuleInfo", "event_zh", "rule_info"]

STATE_ZH = {"open": "待整改", "acknowledged": "已确认", "muted": "已静默", "resolved": "已整改"}

#: Every kind of event the store writes, as the finding page and ``nianbao findings show`` name it.
EVENT_ZH = {
    "finding.opened": "发现",
    "finding.resolved": "已整改",
    "finding.reopened": "重新出现",
    "finding.acknowledged": "已确认",
    "finding.muted": "已静默",
    "finding.unmuted": "取消静默",
    "finding.escalated": "已上报县政府办公室",
    "finding.reattributed": "归属到单位",
    "finding.superseded": "按单位重新记录（本条关闭）",
    "notification.sent": "已通知",
    "notification.gave_up": "通知发送失败",
    "document.new": "发现新报告",
    "document.changed": "报告内容有变化",
    "document.rejected": "文件未采用",
    "document.unreadable": "文件无法读取",
    "document.reattributed": "重新识别所属单位",
    "crawl.failed": "抓取失败",
    "deadline.reminder": "公开提醒",
    "deadline.skipped": "暂不判断逾期（门户网站抓取失败）",
    "review.reviewed": "已人工核对",
}


def event_zh(kind: str) -> str:
    """The Chinese name of an event kind; a kind without one is shown as 其他事件 with its code."""
    return EVENT_ZH.get(kind) or f"其他事件（{kind}）"


@dataclass(frozen=True)
class RuleInfo:
    """What the finding page says about the rule: title and basis."""

    id: str
    title: str
    basis: str


# Rules evaluated by the monitor (they need the registry and the crawl history), not in the checker's registry.
_MONITOR_RULES = {
    "D601": RuleInfo("D601", "逾期未发布年度报告", "《政府信息公开条例》第四十九条；县政府办公室年度通知"),
    "D603": RuleInfo("D603", "公开期限后修改了已发布的报告", "《政府信息公开条例》第四十九条"),
    "D605": RuleInfo("D605", "报告发布在年报栏目之外", "《政府网站发展指引》（国办发〔2017〕47号）"),
    "D606": RuleInfo(
        "D606",
        "年报栏目列出的报告无法打开",
        "《政府信息公开条例》第四十九条；《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）",
    ),
}


def rule_info(rule_id: str) -> RuleInfo:
    """Title and basis of a rule by id (an unknown id is shown as itself)."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is not None:
        return RuleInfo(rule.id, rule.title, rule.basis)
    return _MONITOR_RULES.get(rule_id, RuleInfo(rule_id, rule_id, ""))
