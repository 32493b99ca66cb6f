"""Golden cases per rule (tests/fixtures/rule_cases/cases.yaml) and the meta-tests over the registry."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from documents import extract
from monitor import ruledocs
from rules import RULES, RULES_BY_ID, Context, parse_report
from rules.report import AnnualReport
from tests.conftest import FIXTURES, apply_edits, seed_text

CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "rule_cases" / "cases.yaml").read_text(encoding="utf-8"))
ROOT = Path(__file__).parent.parent


def build(base: str, edits: list[dict[str, Any]] | None, *, excerpt: bool = False, machine_readable: bool = True) -> AnnualReport:
    """Parse a seed after applying edits."""
    text = apply_edits(seed_text(base), edits or [])
    document = extract(text.encode("utf-8"))
    if not machine_readable:
        document = dataclasses.replace(document, machine_readable=False)
    return parse_report(document, excerpt=excerpt)


def run_case(case: dict[str, Any]) -> list[Any]:
    options = dict(case.get("options") or {})
    machine_readable = options.pop("machine_readable", True)
    for key in ("published_on", "deadline"):
        if key in options:
            options[key] = date.fromisoformat(options[key])
    previous = None
    if "previous" in case:
        previous = build(case["previous"]["base"], case["previous"].get("edits"))
    report = build(case["base"], case.get("edits"), excerpt=options.get("excerpt", False), machine_readable=machine_readable)
    context = Context(previous=previous, **options)
    return list(RULES_BY_ID[case["rule"]].check(report, context))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(case: dict[str, Any]) -> None:
    outcomes = run_case(case)
    fails = [o for o in outcomes if o.status == "fail"]
    if case["expect"] == "fail":
        assert fails, f"{case['rule']} did not fail: {[(o.status, o.message) for o in outcomes]}"
        for finding in fails:
            assert finding.message, "a finding needs a message"
        where = case.get("where") or {}
        assert any(all(value in (getattr(f.locator, key) or "") + f.message for key, value in where.items()) for f in fails), (
            f"no finding at {where}: {[(f.locator, f.message) for f in fails]}"
        )
    else:
        assert not fails, f"{case['rule']} failed: {[f.message for f in fails]}"
        assert any(o.status in ("pass", "n/a") for o in outcomes)


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    for rule in RULES:
        kinds = {c["expect"] for c in CASES if c["rule"] == rule.id}
        assert kinds == {"fail", "pass"}, f"{rule.id} needs a failing and a passing case in cases.yaml (has {kinds})"


def test_cases_name_only_registered_rules() -> None:
    assert {c["rule"] for c in CASES} <= set(RULES_BY_ID)
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_docs_rules_md_matches_registry() -> None:
    on_disk = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == ruledocs.markdown(), "docs/rules.md is stale: run `make docs`"


def test_every_rule_documented() -> None:
    for rule in RULES:
        assert rule.doc, f"{rule.id} has no docstring"
        assert rule.id.startswith(("S", "A", "T", "P", "H", "D"))


def test_d602_severity_follows_deadline_kind() -> None:
    town = run_case({"rule": "D602", "base": "000", "options": {"body_type": "town", "published_on": "2026-02-10"}})
    department = run_case({"rule": "D602", "base": "000", "options": {"body_type": "department", "published_on": "2026-02-10"}})
    assert [o.effective_severity for o in town if o.status == "fail"] == ["warning"]
    assert [o.effective_severity for o in department if o.status == "fail"] == ["error"]
