"""PDFs as producers draw them (tests/pdf_draw.py), with a real report's content (the Shanghai 2019 report of
tests/fixtures/real): each reproduces what a producer does that once misled the PDF reader, and the reader must
give what it gives for the same report drawn plainly."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from documents import extract
from documents.model import Document, Paragraph, Table
from documents.ocr import split_across
from rules import Context, parse_report, run_rules
from rules.report import AnnualReport
from rules.runner import CheckResult
from tests.conftest import FIXTURES
from tests.formats_build import scan_pdf
from tests.pdf_draw import draw

SHANGHAI = extract((FIXTURES / "real" / "2019_上海市_市人民政府办公厅.html").read_bytes())


@cache
def drawn(**options: Any) -> Document:
    return extract(draw(SHANGHAI.blocks, **options))


def serious(result: CheckResult) -> list[tuple[str, str | None]]:
    return sorted(
        (f.rule_id, f.outcome.locator.table) for f in result.findings if f.outcome.effective_severity in ("error", "warning")
    )


def check(document: Document) -> tuple[AnnualReport, CheckResult]:
    report = parse_report(document)
    return report, run_rules(report, Context())


def t3_rows(report: AnnualReport) -> list[tuple[str | None, list[str]]]:
    return [(row.key, [v.raw for v in row.values]) for row in report.tables["t3"].rows]


def test_the_plain_drawing_reads_like_the_page() -> None:
    assert serious(check(drawn())[1]) == serious(check(SHANGHAI)[1])


def test_white_boxes_behind_every_line_are_no_table() -> None:
    """WPS paints each line of text on a white filled box with no stroke: those boxes are backgrounds. Read as
    rulings they made tables of the paragraphs and lost 表三 (S103, S104 ×5, S105 on the plain report)."""
    document = drawn(backgrounds=True)
    assert serious(check(document)[1]) == serious(check(drawn())[1])
    assert sum(isinstance(b, Table) for b in document.blocks) == sum(isinstance(b, Table) for b in drawn().blocks)


def test_a_one_column_table_of_prose_is_paragraphs() -> None:
    """Paragraphs set line by line in ruled cells are text: they stay in the narrative, not in a table."""
    document = drawn(framed="上海发布")
    paragraphs = " ".join(b.text for b in document.blocks if isinstance(b, Paragraph))
    assert "第一时间发布《习近平在上海考察调研》" in paragraphs
    tables = [b for b in document.blocks if isinstance(b, Table)]
    assert not any("上海发布" in cell.text for table in tables for row in table.rows for cell in row)
    assert serious(check(document)[1]) == serious(check(drawn())[1])


def test_a_character_with_a_wide_advance_stays_in_its_cell() -> None:
    """Vertical text in a narrow merged cell, set in a font whose advance is four glyphs wide: each character's
    loose box reaches into the next column; placed by its glyph it stays in 三、本年度办理结果."""
    document = drawn(wide="三、本年度办理结果")
    t3 = next(b for b in document.blocks if isinstance(b, Table) and any("本年新收" in c.text for r in b.rows for c in r))
    row = next(r for r in t3.rows if any("予以公开" in c.text for c in r))
    assert [c.text for c in row[:3]] == ["三、本年度办理结果", "（一）予以公开", "（一）予以公开"]


def test_a_row_whose_content_fell_below_a_page_break_is_one_row() -> None:
    """"6.属于四类过程性信息" is set in the middle of its row and the row is broken: its empty upper part is no row."""
    report, result = check(drawn(break_in="6.属于四类过程性信息"))
    assert t3_rows(report) == t3_rows(check(drawn())[0])
    assert serious(result) == serious(check(drawn())[1])


def test_a_label_cut_by_a_page_break_is_joined_to_its_values() -> None:
    """"（二）部分公开（区分处理的，只计这一情形，不计其他情形）": its first line above the break, the rest and the
    row's value below it: one row, its value 3 under 自然人."""
    report, _result = check(drawn(break_in="（二）部分公开"))
    assert ("partial", ["3", "", "", "", "", "", ""]) in t3_rows(report)
    assert t3_rows(report) == t3_rows(check(drawn())[0])


@pytest.mark.slow
def test_a_scan_of_the_real_report_reads_like_its_text() -> None:
    """The Shanghai report drawn, printed and scanned (pages turned 1°): the same 表三 rows with all their blank cells
    (rows mostly blank keep every cell), the same findings, and D604."""
    pdf = draw(SHANGHAI.blocks)
    report, result = check(extract(scan_pdf(pdf, seed=3, angle=1.0)))
    assert t3_rows(report) == t3_rows(check(extract(pdf))[0])
    assert serious(result) == sorted([*serious(check(extract(pdf))[1]), ("D604", None)], key=lambda x: (x[0], x[1] or ""))


def test_a_text_box_read_across_two_cells_is_cut_at_their_border() -> None:
    """The text detector read "自然人 法人或其他组织" over two header cells as one box (a scan of the Shanghai report):
    each cell gets its own words."""
    cells = [(654.0, 1576.0, 726.0, 1606.0), (726.0, 1576.0, 1085.0, 1606.0)]
    words = split_across([("自然人 法人或其他组织", (652.0, 1572.0, 849.0, 1605.0), 0.99)], cells)
    assert [w[0] for w in words] == ["自然人", "法人或其他组织"]
    assert words[0][1][2] < words[1][1][0] + 1  # left piece, then right piece
