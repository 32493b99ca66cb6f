"""The checker: the annual-report format as data, Document → AnnualReport, and the rule catalog.

Pure functions only: no database, no network, no clock. Public API: :func:`parse_report`,
:func:`run_rules`, :data:`RULES`, :class:`Context`.
"""

from __future__ import annotations

from rules.parse import NotAReportError, parse_report
from rules.registry import RULES, RULES_BY_ID
from rules.rule import Context, Locator, Outcome, Rule
from rules.runner import CheckResult, Finding, run_rules

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "CheckResult",
    "Context",
    "Finding",
    "Locator",
    "NotAReportError",
    "Outcome",
    "Rule",
    "parse_report",
    "run_rules",
]
