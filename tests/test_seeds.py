"""Acceptance: on the five seeds, the error and warning findings are exactly those of EXPECTED.md,
and each message names the table, the rows and the columns."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from monitor.cli import main
from rules import Context, parse_report, run_rules
from tests.conftest import SEEDS, seed_path, seed_text

EXPECTED: dict[str, list[dict[str, str]]] = yaml.safe_load((SEEDS / "expected.yaml").read_text(encoding="utf-8"))


def check_json(path: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    status = main(["check", "--format", "json", *extra, path])
    out = capsys.readouterr().out
    return status, json.loads(out)


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_findings_exactly_as_expected(seed: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, result = check_json(str(seed_path(seed)), capsys)
    assert status == 1
    serious = [f for f in result["findings"] if f["severity"] in ("error", "warning")]
    assert sorted(f["rule"] for f in serious) == sorted(e["rule"] for e in EXPECTED[seed])
    for expected in EXPECTED[seed]:
        finding = next(f for f in serious if f["rule"] == expected["rule"])
        locator = finding["locator"]
        if "table" in expected:
            assert locator["table"] == expected["table"]
            assert expected["table"] in finding["message"]
        if "column" in expected:
            assert expected["column"] in locator["column"]
            assert f"「{expected['column']}」" in finding["message"]
        assert locator["source"], "every finding points at its source"
        assert len(finding["fingerprint"]) == 16


def test_seed_report_identity(capsys: pytest.CaptureFixture[str]) -> None:
    bodies = {"000": "次营镇人民政府", "001": "大峪镇人民政府", "002": "西坪镇人民政府", "003": "焦虎镇", "004": "新乡县七里营镇"}
    for seed, body in bodies.items():
        _status, result = check_json(str(seed_path(seed)), capsys)
        assert result["report"]["body"] == body
        assert result["report"]["year"] == 2025
        assert result["report"]["template"] == "2021"
        assert result["schema"] == "nianbao.check/1"
        assert result["source"]["format"] == "text"


def test_s106_names_rows_and_counts() -> None:
    from documents import extract

    report = parse_report(extract(seed_text("003").encode()))
    [finding] = [f for f in run_rules(report, Context()).findings if f.rule_id == "S106"]
    message = finding.outcome.message
    assert "表三" in message and "7列" in message
    assert "「一、本年新收政府信息公开申请数量」" in message and "只有6个数值" in message
    assert "「（六）其他处理 3.其他」" in message and "只有5个数值" in message


def test_seed_002_arithmetic_uncertain_not_failed() -> None:
    from documents import extract

    result = run_rules(parse_report(extract(seed_text("002").encode())), Context())
    statuses = {(o.rule.id, o.status) for o in result.outcomes if o.rule.id.startswith("A")}
    assert ("A201", "pass") in statuses  # aligned rows 一, 二, （七）, 四 check out
    assert ("A202", "uncertain") in statuses  # the 19 short rows cannot be aligned
    assert not any(status == "fail" for _rule, status in statuses)
    t301 = [o.status for o in result.outcomes if o.rule.id == "T301"]
    assert t301 == ["pass"]  # the text says 2 requests, 表三 says 2


def test_fingerprints_are_stable_across_line_shifts(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    shifted = tmp_path / "shifted.txt"
    shifted.write_text("\n\n\n" + seed_text("001"), encoding="utf-8")
    _s, before = check_json(str(seed_path("001")), capsys)
    _s, after = check_json(str(shifted), capsys)
    assert [f["fingerprint"] for f in before["findings"]] == [f["fingerprint"] for f in after["findings"]]
    assert [f["locator"]["source"] for f in before["findings"]] != [f["locator"]["source"] for f in after["findings"]]


def test_text_output_lines_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", str(seed_path("003"))])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    finding_lines = [line for line in lines if ": S1" in line]
    assert any(" S106 错误 表三" in line for line in finding_lines)
    assert any(" S109 警告 " in line for line in finding_lines)
    assert all(line.startswith(str(seed_path("003")) + ":") for line in finding_lines)
    assert lines[-1].startswith("共检查 1 个文件")


def test_min_severity_filters_and_sets_exit_status(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    # Only an info deviation (规范性文件) in an otherwise clean report.
    text = seed_text("000-fixed").replace("行政规范性文件\t0", "规范性文件\t0")
    path = tmp_path / "clean.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 1
    assert main(["check", "--min-severity", "warning", str(path)]) == 0
    capsys.readouterr()
