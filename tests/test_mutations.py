"""Acceptance: changing any single count cell of 表三 or 表四 of seed 000 makes exactly the right A rule
fail at the right row or column; the unchanged file has no A failure.

表四 of seed 000 holds 16 values against 15 columns (its S106), so no 表四 relation can be checked
there; 表四 mutations start from "000-fixed", the same report with the 15 values its header names.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from documents import extract
from rules import Context, parse_report, run_rules
from rules import template as t
from rules.report import AnnualReport
from tests.conftest import seed_text


@dataclass(frozen=True)
class CellRef:
    """A count cell of the base report: table kind, row key and label, value index, its line."""

    kind: str
    row_key: str
    row_label: str
    index: int
    line: int
    values_in_row: int


def _parse(text: str) -> AnnualReport:
    return parse_report(extract(text.encode("utf-8")))


def _cells(base: str, kind: str) -> list[CellRef]:
    table = _parse(seed_text(base)).tables[kind]
    refs = []
    for row in table.rows:
        for index, value in enumerate(row.values):
            assert value.source.line is not None
            refs.append(CellRef(kind, row.key or "", row.label, index, value.source.line, len(row.values)))
    return refs


T3_CELLS = _cells("000", "t3")
T4_CELLS = _cells("000-fixed", "t4")


def _mutate(base: str, ref: CellRef, new: str) -> str:
    lines = seed_text(base).split("\n")
    fields = lines[ref.line - 1].split("\t")
    numeric = [i for i, f in enumerate(fields) if f.strip() and f.strip().isdigit()]
    target = numeric[len(numeric) - ref.values_in_row + ref.index]
    fields[target] = new
    lines[ref.line - 1] = "\t".join(fields)
    return "\n".join(lines)


def _a_failures(text: str) -> set[tuple[str, str | None, str | None]]:
    result = run_rules(_parse(text), Context())
    return {
        (f.outcome.rule.id, f.outcome.locator.row, f.outcome.locator.column)
        for f in result.findings
        if f.outcome.rule.id.startswith("A")
    }


def _expected_t3(ref: CellRef) -> set[tuple[str, str | None, str | None]]:
    column = t.T3_COLUMNS[ref.index].label
    expected = {("A203", ref.row_label, "总计")}
    if ref.row_key in ("new", "carried_in", "total", "carried_out"):
        expected.add(("A201", "一、二、（七）、四", column))
    if ref.row_key == "total" or ref.row_key in t.T3_RESULT_ROWS:
        expected.add(("A202", "（七）总计", column))
    return expected


def test_unchanged_seeds_have_no_arithmetic_failure() -> None:
    assert _a_failures(seed_text("000")) == set()
    assert _a_failures(seed_text("000-fixed")) == set()


def test_every_cell_is_reachable() -> None:
    assert len(T3_CELLS) == 25 * 7
    assert len(T4_CELLS) == 15


@settings(max_examples=300, deadline=None)
@given(ref=st.sampled_from(T3_CELLS), value=st.integers(min_value=1, max_value=10**7))
def test_table3_single_cell_change(ref: CellRef, value: int) -> None:
    failures = _a_failures(_mutate("000", ref, str(value)))
    assert failures == _expected_t3(ref)


@settings(max_examples=100, deadline=None)
@given(ref=st.sampled_from(T4_CELLS), value=st.integers(min_value=1, max_value=10**7))
def test_table4_single_cell_change(ref: CellRef, value: int) -> None:
    group = t.T4_GROUPS[ref.index // 5].label
    assert _a_failures(_mutate("000-fixed", ref, str(value))) == {("A204", group, "总计")}


@settings(max_examples=150, deadline=None)
@given(ref=st.sampled_from(T3_CELLS + T4_CELLS), junk=st.sampled_from(["x", "/", "-", "？", "n/a"]))
def test_non_number_is_a205_at_that_cell_only(ref: CellRef, junk: str) -> None:
    base = "000" if ref.kind == "t3" else "000-fixed"
    failures = _a_failures(_mutate(base, ref, junk))
    if ref.kind == "t3":
        column = t.T3_COLUMNS[ref.index].label
    else:
        column = f"{t.T4_GROUPS[ref.index // 5].label}·{t.T4_RESULTS[ref.index % 5].label}"
    row = ref.row_label
    assert failures == {("A205", row, column)}


@settings(max_examples=100, deadline=None)
@given(ref=st.sampled_from(T3_CELLS), junk=st.sampled_from(["-3", "1.5", "0.25"]))
def test_negative_or_fractional_count_is_a205(ref: CellRef, junk: str) -> None:
    failures = _a_failures(_mutate("000", ref, junk))
    assert ("A205", ref.row_label, t.T3_COLUMNS[ref.index].label) in failures


def test_messages_name_row_and_column() -> None:
    ref = next(r for r in T3_CELLS if r.row_key == "三.4" and r.index == 2)
    result = run_rules(_parse(_mutate("000", ref, "5")), Context())
    messages = {f.outcome.rule.id: f.outcome.message for f in result.findings}
    assert "「科研机构」列" in messages["A202"] and "（七）总计" in messages["A202"]
    assert "「（三）不予公开 4.保护第三方合法权益」行" in messages["A203"] and "「总计」列" in messages["A203"]


def test_low_confidence_ocr_cell_makes_its_rules_uncertain_never_fail() -> None:
    import dataclasses

    from documents.model import Table

    document = extract(seed_text("000").encode("utf-8"))
    blocks = list(document.blocks)
    index = next(i for i, b in enumerate(blocks) if isinstance(b, Table) and any("本年新收" in text for text in b.texts()))
    table = blocks[index]
    assert isinstance(table, Table)
    rows = [list(row) for row in table.rows]
    row = next(r for r in rows if any("本年新收" in c.text for c in r))
    row[-1] = dataclasses.replace(row[-1], text="7", confidence=0.42)  # 总计 misread as 7
    blocks[index] = dataclasses.replace(table, rows=tuple(tuple(r) for r in rows))
    report = parse_report(dataclasses.replace(document, blocks=tuple(blocks)))
    result = run_rules(report, Context())
    assert not [f for f in result.findings if f.outcome.rule.id.startswith("A")]
    uncertain = {o.rule.id for o in result.uncertain}
    assert {"A201", "A203"} <= uncertain
    # The same misreading at full confidence is a real defect.
    row[-1] = dataclasses.replace(row[-1], confidence=0.99)
    blocks[index] = dataclasses.replace(table, rows=tuple(tuple(r) for r in rows))
    report = parse_report(dataclasses.replace(document, blocks=tuple(blocks)))
    assert {f.outcome.rule.id for f in run_rules(report, Context()).findings} >= {"A201", "A203"}
