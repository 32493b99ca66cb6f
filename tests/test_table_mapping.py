"""表三 and 表四 as real reports print them, built from the real 表三 and 表四 of the Shanghai 2019 report
(tests/fixtures/real/2019_上海市_市人民政府办公厅.html): each test changes the real grid the way a class of real
documents prints it and checks that every row and column still maps to the format."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from documents import extract
from documents.model import Block, Cell, Document, Paragraph, Source, Table
from rules import parse_report
from rules import template as t
from rules.report import AnnualReport
from tests.conftest import FIXTURES

SHANGHAI = extract((FIXTURES / "real" / "2019_上海市_市人民政府办公厅.html").read_bytes())
ROWS = t.T3_ROWS_TRIAL  # the Shanghai report is a 2019 one in the trial format

Rows = list[list[Cell]]


def _tables() -> list[int]:
    return [i for i, block in enumerate(SHANGHAI.blocks) if isinstance(block, Table)]


def with_t3(change: Callable[[Rows], Rows]) -> AnnualReport:
    """The Shanghai report with its 表三 grid changed."""
    index = _tables()[1]
    table = SHANGHAI.blocks[index]
    assert isinstance(table, Table)
    rows = change([list(row) for row in table.rows])
    blocks = list(SHANGHAI.blocks)
    blocks[index] = Table(tuple(tuple(row) for row in rows), table.source)
    return parse_report(dataclasses.replace(SHANGHAI, blocks=tuple(blocks)))


def cell(text: str) -> Cell:
    return Cell(text, Source(path="/test"))


def keys(report: AnnualReport) -> list[str | None]:
    return [row.key for row in report.tables["t3"].rows]


def test_the_real_grid_maps_row_by_row() -> None:
    report = with_t3(lambda rows: rows)
    assert [k for k in keys(report) if k] == [r.key for r in ROWS]
    assert report.tables["t3"].columns == tuple(c.key for c in t.T3_COLUMNS)


def test_a_group_label_cut_by_a_page_break() -> None:
    """"（四）无" at the foot of one page, "法提供" at the head of the next: 四.1–四.3 stay 四's, not 三's."""

    def cut(rows: Rows) -> Rows:
        starts = [i for i, row in enumerate(rows) if row[1].text == "（四）无法提供"]
        rows[starts[0]][1] = cell("（四）无")
        rows[starts[1]][1] = cell("法提供")
        return rows

    report = with_t3(cut)
    assert [k for k in keys(report) if k] == [r.key for r in ROWS]
    row = report.tables["t3"].row("四.1")
    assert row is not None and row.values[0].raw == "252"


def test_items_are_matched_by_their_words_before_their_number() -> None:
    """A group label lost altogether: "1.本机关不掌握相关政府信息" is still 四.1, not 三.1 by its number."""

    def lose(rows: Rows) -> Rows:
        for row in rows:
            if row[1].text == "（四）无法提供":
                row[1] = cell("")
        return rows

    report = with_t3(lose)
    row = report.tables["t3"].row("四.1")
    assert row is not None and row.values[0].raw == "252"
    first = report.tables["t3"].row("三.1")
    assert first is not None and first.values[0].raw == "14"


def test_a_group_and_its_item_in_one_cell() -> None:
    """"（三）不予公开 1.属于国家秘密" in one cell, as some local templates merge them."""

    def merge(rows: Rows) -> Rows:
        for row in rows:
            if row[1].text == "（三）不予公开" and not row[1].spanned:
                row[1:3] = [cell("（三）不予公开 " + row[2].text)]
        return rows

    report = with_t3(merge)
    row = report.tables["t3"].row("三.1")
    assert row is not None and row.values[0].raw == "14"
    assert not [r for r in report.tables["t3"].rows if r.subtotal]


def test_header_cells_that_name_their_parent() -> None:
    """"申请人情况：自然人", "法人或其他组织：商业企业" …: the columns are still named."""

    def parent(rows: Rows) -> Rows:
        for row in rows[:3]:
            for index, item in enumerate(row):
                if item.text in ("自然人", "总计") and not item.spanned:
                    row[index] = cell("申请人情况：" + item.text)
                elif item.text in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"):
                    row[index] = cell("法人或其他组织：" + item.text)
        return rows

    report = with_t3(parent)
    assert report.tables["t3"].columns == tuple(c.key for c in t.T3_COLUMNS)


def test_columns_relabelled_by_position() -> None:
    """A local template's header "数据1 … 数据7" in the format's order."""

    def generic(rows: Rows) -> Rows:
        corner = [cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")] * 3
        return [corner + [cell(f"数据{n}") for n in range(1, 8)], *rows[3:]]

    report = with_t3(generic)
    assert report.tables["t3"].columns == tuple(c.key for c in t.T3_COLUMNS)
    assert not report.tables["t3"].missing_columns


def test_table_4_printed_as_three_small_tables() -> None:
    """行政复议, 行政诉讼（未经复议直接起诉）, 复议后起诉: three tables of five results read as 表四's one row."""
    index = _tables()[2]
    real = SHANGHAI.blocks[index]
    assert isinstance(real, Table)
    header = tuple(cell(text) for text in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
    values = [c.text for c in real.rows[-1]]
    small: list[Block] = []
    for heading, part in (("（一）行政复议", 0), ("（二）行政诉讼（未经复议直接起诉）", 1), ("（三）行政诉讼（复议后起诉）", 2)):
        small.append(Paragraph(heading, Source(path="/p")))
        small.append(Table((header, tuple(cell(v or "0") for v in values[part * 5 : part * 5 + 5])), Source(path="/t")))
    blocks = [*SHANGHAI.blocks[:index], *small, *SHANGHAI.blocks[index + 1 :]]
    report = parse_report(Document(tuple(blocks), "html", SHANGHAI.meta))
    t4 = report.tables["t4"]
    assert not t4.missing_columns
    assert [v.raw for v in t4.rows[0].values] == [v or "0" for v in values]


def test_a_text_among_the_values_makes_the_row_unread_not_wrong() -> None:
    """A row shifted so that a label stands among its numbers: S106, A203 and A205 are uncertain for it, never a
    finding (doubt is not a defect)."""
    from rules import Context, run_rules

    def shift(rows: Rows) -> Rows:
        for row in rows:
            if row[2].text.startswith("8.属于行政查询事项"):
                row[5] = cell("见附注")
        return rows

    report = with_t3(shift)
    row = report.tables["t3"].row("三.8")
    assert row is not None and row.unread
    result = run_rules(report, Context())
    assert not [f for f in result.findings if f.rule_id in ("A203", "A205") and "行政查询" in (f.outcome.locator.row or "")]
    s106 = [o for o in result.outcomes if o.rule.id == "S106" and o.locator.table == "表三"]
    assert all("行政查询" not in o.message for o in s106 if o.status == "fail")
