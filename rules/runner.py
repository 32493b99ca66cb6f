"""Run the registered rules over a report: outcomes, findings with fingerprints, statistics."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rules.registry import RULES
from rules.report import AnnualReport
from rules.rule import Context, Outcome, Rule


@dataclass(frozen=True)
class Finding:
    """A failed outcome with its fingerprint: what the monitor stores and the CLI prints."""

    outcome: Outcome
    fingerprint: str

    @property
    def rule_id(self) -> str:
        """The rule's stable id."""
        return self.outcome.rule.id


@dataclass
class CheckResult:
    """Everything one check of one report produced."""

    report: AnnualReport
    outcomes: list[Outcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def uncertain(self) -> list[Outcome]:
        """Outcomes a person should review."""
        return [o for o in self.outcomes if o.status == "uncertain"]

    def stats(self) -> dict[str, int]:
        """Counts of rules run and outcomes by status (the JSON contract's ``stats``)."""
        counts = Counter(o.status for o in self.outcomes)
        rules = len({o.rule.id for o in self.outcomes})
        return {
            "rules": rules,
            "pass": counts["pass"],
            "fail": counts["fail"],
            "uncertain": counts["uncertain"],
            "na": counts["n/a"],
        }


def fingerprint(outcome: Outcome, body: str | None, year: int | None) -> str:
    """Stable id of a finding: rule + body + report year + locator (not the source position, which moves)."""
    loc = outcome.locator
    key = "|".join(str(x) for x in (outcome.rule.id, body or "", year or "", loc.section, loc.table, loc.row, loc.column))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _outcomes(rule: Rule, report: AnnualReport, context: Context) -> list[Outcome]:
    """The rule's outcomes; a rule that raises gives one *uncertain* outcome instead (what it yielded before the error
    is dropped: it was computed on a reading the rule could not finish), so one faulty rule never ends a check."""
    try:
        return list(rule.check(report, context))
    except Exception as exc:  # any fault of one rule must leave the other rules and the check running
        return [rule.uncertain(f"规则执行出错（{type(exc).__name__}），无法判断，请人工核对。", error=repr(exc)[:300])]


def run_rules(report: AnnualReport, context: Context, rules: Sequence[Rule] = RULES) -> CheckResult:
    """Run ``rules`` over ``report``. Pure: the same report and context give the same result."""
    result = CheckResult(report)
    year = context.year or report.year
    for rule in rules:
        for outcome in _outcomes(rule, report, context):
            result.outcomes.append(outcome)
            if outcome.status == "fail":
                result.findings.append(Finding(outcome, fingerprint(outcome, report.body, year)))
    return result
