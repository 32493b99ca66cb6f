"""Chinese labels of states, severities, events and the rules the monitor itself evaluates."""

from __future__ import annotations

from dataclasses import dataclass

from rules import RULES_BY_ID
from rules.rule import SEVERITY_ZH

__all__ = ["EVENT_ZH", "SEVERITY_ZH", "STATE_ZH", "RuleInfo", "rule_info"]

STATE_ZH = {"open": "待整改", "acknowledged": "已确认", "muted": "已静默", "resolved": "已整改"}

EVENT_ZH = {
    "finding.opened": "发现问题",
    "finding.reopened": "问题再次出现",
    "finding.resolved": "已整改（复查时不再出现）",
    "finding.acknowledged": "确认",
    "finding.muted": "静默",
    "finding.unmuted": "取消静默",
    "finding.escalated": "上报县政府办公室",
    "notification.sent": "已通知",
    "notification.gave_up": "通知发送失败",
}


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
}


def rule_info(rule_id: str) -> RuleInfo:
    """Title and basis of a rule by id (an unknown id is shown as itself)."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is not None:
        return RuleInfo(rule.id, rule.title, rule.basis)
    return _MONITOR_RULES.get(rule_id, RuleInfo(rule_id, rule_id, ""))
