"""The rule registry: every rule the checker runs, listed once, in catalog order.

Adding a rule means writing its check in the module of its family and listing it here; `nianbao rules
list`, docs/rules.md and the meta-tests read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules import arithmetic, history, narrative, plausibility, publication, structure
from rules.rule import Rule

RULES: tuple[Rule, ...] = (
    structure.s101,
    structure.s102,
    structure.s103,
    structure.s104,
    structure.s105,
    structure.s106,
    structure.s107,
    structure.s108,
    structure.s109,
    structure.s110,
    structure.s111,
    structure.s112,
    structure.s113,
    arithmetic.a201,
    arithmetic.a202,
    arithmetic.a203,
    arithmetic.a204,
    arithmetic.a205,
    arithmetic.a206,
    narrative.t301,
    narrative.t302,
    narrative.t303,
    narrative.t304,
    plausibility.p401,
    plausibility.p402,
    history.h501,
    history.h502,
    history.h503,
    publication.d602,
    publication.d604,
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


@dataclass(frozen=True)
class MonitorRule:
    """A catalog rule the monitor evaluates (it needs the registry of bodies and the crawl history), not ``check``."""

    id: str
    title: str
    severity: str
    basis: str
    scope: str
    doc: str


#: The monitor's rules, by id: the one place their titles and bases are written (messages, dashboard, docs).
MONITOR_RULE_INFO: dict[str, MonitorRule] = {
    r.id: r
    for r in (
        MonitorRule(
            "D601", "年度报告逾期未公开", "error", "《政府信息公开条例》第四十九条；县政府办公室年度通知", "每个单位每年",
            "Fails when no report for year N from a registered body has been found by its deadline. Not raised while the "
            "body's portal cannot be crawled, nor when the report is listed but cannot be opened (D606).",
        ),
        MonitorRule(
            "D603", "公开期限后修改年度报告", "warning", "《政府信息公开条例》第四十九条；县政府办公室年度通知", "每次修改",
            "Fails when the content of a published report changed after its deadline (a silent re-edit).",
        ),
        MonitorRule(
            "D605", "年度报告未发布在年报栏目", "info", "县政府办公室年度通知（年报栏目）", "每份报告",
            "Fails when the report was found outside the body's configured 年报 column.",
        ),
        MonitorRule(
            "D606", "年度报告链接无法打开", "error", "《政府信息公开条例》第四十九条；《政府网站发展指引》（国办发〔2017〕47号）",
            "每个无法打开的链接",
            "Fails when a listed report (page or attachment) cannot be opened: an error when the portal answers "
            "404/410 (not found), a warning when it kept failing on three crawls in a row (timeouts, server errors). "
            "The year is shown as 链接无法打开, never as 逾期未公开; the finding resolves when the link opens again.",
        ),
    )
}  # fmt: skip

#: Catalog rules evaluated by the monitor, not here.
MONITOR_RULES: tuple[str, ...] = tuple(MONITOR_RULE_INFO)
