"""The finding page's evidence: locators of real findings matched to the parsed tables and paragraphs."""

from __future__ import annotations

from pathlib import Path

from documents import extract
from monitor.dashboard.evidence import Evidence, ReportCache, build_evidence, evidence_for
from monitor.store import BlobStore
from rules import Context, parse_report, run_rules
from rules.report import AnnualReport
from tests.conftest import seed_text
from tests.dashboard.demo_data import mutated_000


def _report(text: str) -> AnnualReport:
    return parse_report(extract(text.encode("utf-8")))


def _evidence(text: str, rule: str, index: int = 0) -> Evidence:
    report = _report(text)
    found = [f.outcome for f in run_rules(report, Context(year=2025)).findings if f.outcome.rule.id == rule]
    assert found, f"{rule} did not fail"
    outcome = found[index]
    return build_evidence(report, outcome.locator.as_dict(), dict(outcome.evidence))


def _hits(evidence: Evidence) -> list[tuple[str, str, str]]:
    assert evidence.table is not None
    return evidence.table.hits(most=1000)


def test_a_row_total_marks_one_cell() -> None:
    evidence = _evidence(mutated_000(), "A203")
    assert _hits(evidence) == [("一、本年新收政府信息公开申请数量", "总计", "0")]


def test_a_column_relation_marks_its_four_rows() -> None:
    evidence = _evidence(mutated_000(), "A201")
    assert [(row, column) for row, column, _text in _hits(evidence)] == [
        ("一、本年新收政府信息公开申请数量", "自然人"),
        ("二、上年结转政府信息公开申请数量", "自然人"),
        ("（七）总计", "自然人"),
        ("四、结转下年度继续办理", "自然人"),
    ]
    assert [text for *_rest, text in _hits(evidence)] == ["3", "0", "0", "0"]


def test_a_group_total_of_table_four() -> None:
    text = seed_text("000-fixed")
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("0\t") and line.count("\t") == 14)
    values = lines[index].split("\t")
    values[0] = "2"  # 行政复议·结果维持 = 2, its 总计 still 0
    lines[index] = "\t".join(values)
    evidence = _evidence("\n".join(lines), "A204")
    assert _hits(evidence) == [("数据行", "行政复议·总计", "0")]


def test_rows_with_a_missing_value_show_the_gap() -> None:
    evidence = _evidence(seed_text("004"), "S106")
    table = evidence.table
    assert table is not None and table.header_highlight
    pointed = [row for row in table.rows if row.highlight]
    assert len(pointed) == 19
    assert all(row.note == "本行有5个数值，表头有6列" for row in pointed)
    assert all([cell.gap for cell in row.cells] == [False] * 5 + [True] for row in pointed)
    assert not any(cell.highlight for row in table.rows if not row.highlight for cell in row.cells)


def test_a_missing_column_is_said_above_the_table() -> None:
    evidence = _evidence(seed_text("001"), "S105")
    assert evidence.table is not None
    assert evidence.table.notes == ("表头缺少：「其他」列",)
    assert evidence.table.header_highlight and not _hits(evidence)


def test_a_text_finding_shows_its_section_and_marks_the_words() -> None:
    evidence = _evidence(seed_text("003"), "S109")
    assert evidence.table is None
    assert [(p.heading, p.highlight, p.mark) for p in evidence.paragraphs] == [(True, False, ""), (False, True, "无")]
    assert evidence.paragraphs[0].before == "六、其他需要报告的事项"


def test_a_contradicting_sentence_is_shown_with_the_table() -> None:
    text = seed_text("002").replace("全镇共收到政府信息公开申请 2 件", "全镇共收到政府信息公开申请 5 件", 1)
    assert text != seed_text("002")
    evidence = _evidence(text, "T301")
    assert evidence.sentence and "5件" in evidence.sentence
    assert evidence.table is not None and _hits(evidence)[0][:2] == ("一、本年新收政府信息公开申请数量", "总计")
    assert [p.mark for p in evidence.paragraphs if p.highlight] == ["全镇共收到政府信息公开申请 5 件"]


def test_without_a_report_or_its_bytes_the_page_says_why(tmp_path: Path) -> None:
    cache = ReportCache(BlobStore(tmp_path))
    assert "没有对应的报告原文" in (evidence_for(cache, None, None, {}, {}).problem or "")
    assert "不在存储目录" in (evidence_for(cache, "ab" * 32, None, {}, {}).problem or "")
    sha = cache.blobs.put(b"\x00\x01 not a report at all")
    assert "无法读取" in (evidence_for(cache, sha, None, {}, {}).problem or "")


def test_parsed_reports_are_cached_by_hash(tmp_path: Path) -> None:
    cache = ReportCache(BlobStore(tmp_path), size=1)
    first = cache.blobs.put(seed_text("000").encode("utf-8"))
    second = cache.blobs.put(seed_text("001").encode("utf-8"))
    assert cache.get(first, None) is cache.get(first, None)
    cache.get(second, None)
    assert list(cache._items) == [second]
