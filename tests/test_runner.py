"""The runner: a rule that fails to run gives one uncertain outcome and the other rules still run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from documents import extract
from rules import RULES, Context, parse_report, run_rules
from rules.report import AnnualReport, Row
from rules.rule import Locator, Outcome, rule
from tests.conftest import seed_path


@rule("X999", "测试用：总是出错的规则", "error", "测试", "每份报告")
def broken(report: AnnualReport, ctx: Context) -> Iterator[Outcome]:
    """Yields a fail, then raises: a fault half way through."""
    yield broken.failed("不应出现", Locator(row="x"))
    raise ZeroDivisionError


def test_a_rule_that_raises_is_uncertain_and_the_others_still_run() -> None:
    report = parse_report(extract(seed_path("000").read_bytes()))
    result = run_rules(report, Context(), (*RULES[:3], broken, *RULES[3:]))
    mine = [o for o in result.outcomes if o.rule is broken]
    assert [o.status for o in mine] == ["uncertain"]
    assert "ZeroDivisionError" in mine[0].message
    assert not [f for f in result.findings if f.rule_id == "X999"]
    assert {o.rule.id for o in result.outcomes} >= {r.id for r in RULES}


def test_a_subtotal_row_without_a_group_is_uncertain_for_a206() -> None:
    report = parse_report(extract(seed_path("000").read_bytes()))
    table = report.tables["t3"]
    orphan = Row(None, "小计", table.rows[2].values, table.rows[2].source, subtotal=True)
    report.tables["t3"] = dataclasses.replace(table, rows=(*table.rows, orphan))
    outcomes = [o for o in run_rules(report, Context()).outcomes if o.rule.id == "A206"]
    assert [o.status for o in outcomes] == ["uncertain"]
