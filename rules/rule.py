"""What a rule is, what it produces, and the context it runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rules.report import AnnualReport

Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "uncertain", "n/a"]
BodyType = Literal["town", "department", "county"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Locator:
    """Where a finding is: section, table, row and column labels, and the source position."""

    section: str | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The locator as the JSON contract prints it."""
        return {"section": self.section, "table": self.table, "row": self.row, "column": self.column, "source": self.source}

    def where(self) -> str:
        """A short human description: ``表三 / 一、本年新收… / 自然人``."""
        parts = [p for p in (self.table or (f"第{self.section}部分" if self.section else None), self.row, self.column) if p]
        return " / ".join(parts)


@dataclass(frozen=True)
class Context:
    """What a rule may know beyond the report: nothing is read from the clock or the network.

    ``deadline`` overrides the default deadline of the body type (a county's own date for towns). ``seen_by``:
    without a publication date, the day the report was first seen (an upper bound of its publication date).
    """

    year: int | None = None
    body_type: BodyType | None = None
    published_on: date | None = None
    seen_by: date | None = None
    previous: AnnualReport | None = None
    excerpt: bool = False
    deadline: date | None = None


@dataclass(frozen=True)
class Outcome:
    """One result of a rule at one place it looked at."""

    rule: Rule
    status: Status
    message: str = ""
    locator: Locator = field(default_factory=Locator)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None

    @property
    def effective_severity(self) -> Severity:
        """The outcome's severity (a rule such as D602 can vary it), else the rule's."""
        return self.severity or self.rule.severity


Check = Callable[["AnnualReport", Context], Iterable[Outcome]]


@dataclass(frozen=True)
class Rule:
    """A rule of the catalog: stable id, severity, basis, what it checks, and the function that checks it."""

    id: str
    title: str
    severity: Severity
    basis: str
    scope: str
    check: Check = field(repr=False, compare=False)

    @property
    def family(self) -> str:
        """The family letter (S, A, T, P, H, D)."""
        return self.id[0]

    @property
    def doc(self) -> str:
        """The docstring of the check function: what exactly fails, passes, is uncertain or n/a."""
        return (self.check.__doc__ or "").strip()

    def passed(self, locator: Locator | None = None, **evidence: Any) -> Outcome:
        """A pass outcome."""
        return Outcome(self, "pass", "", locator or Locator(), evidence)

    def failed(self, message: str, locator: Locator, severity: Severity | None = None, **evidence: Any) -> Outcome:
        """A fail outcome: a finding with its message, locator and evidence."""
        return Outcome(self, "fail", message, locator, evidence, severity)

    def uncertain(self, message: str, locator: Locator | None = None, **evidence: Any) -> Outcome:
        """The rule could not decide; a person should look."""
        return Outcome(self, "uncertain", message, locator or Locator(), evidence)

    def not_applicable(self, reason: str = "") -> Outcome:
        """The rule does not apply to this report."""
        return Outcome(self, "n/a", reason)


def rule(id: str, title: str, severity: Severity, basis: str, scope: str) -> Callable[[Check], Rule]:
    """Declare a rule around its check function (the registry lists the results explicitly)."""

    def wrap(check: Check) -> Rule:
        return Rule(id, title, severity, basis, scope, check)

    return wrap
