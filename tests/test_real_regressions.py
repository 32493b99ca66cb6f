"""Regression tests from real reports of the corpus (tests/fixtures/real): each pins a class of error that real
documents showed, at the depth where it arose (extraction, mapping, the format data), with the document that
showed it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from documents import extract
from documents.model import Table
from rules import Context, parse_report, run_rules
from rules.deadlines import default_deadline, infer_body_type
from rules.report import AnnualReport
from rules.runner import CheckResult
from tests.conftest import FIXTURES

REAL = FIXTURES / "real"


def report(name: str, *, excerpt: bool = True) -> AnnualReport:
    return parse_report(extract((REAL / name).read_bytes()), excerpt=excerpt)


def check(name: str, *, excerpt: bool = True, **context: object) -> CheckResult:
    return run_rules(report(name, excerpt=excerpt), Context(excerpt=excerpt, **context))  # type: ignore[arg-type]


def fails(result: CheckResult) -> set[str]:
    return {f.rule_id for f in result.findings if f.outcome.effective_severity in ("error", "warning")}


def values(parsed: AnnualReport, table: str, key: str) -> list[str]:
    row = parsed.tables[table].row(key)
    assert row is not None, f"{table} has no row {key}"
    return [v.raw for v in row.values]


# ------------------------------------------------------------------------------------------- flattened tables


def test_one_cell_per_line_with_pipe_lines_is_read_as_rows() -> None:
    """尼勒克: every cell on its own line, a line "|" after each; the rows are found again and 规章's 6 read."""
    document = extract((REAL / "2023_新疆尼勒克县_某镇.txt").read_bytes())
    flat = [b for b in document.blocks if isinstance(b, Table) and b.flat]
    assert flat and flat[0].blanks
    parsed = report("2023_新疆尼勒克县_某镇.txt")
    assert values(parsed, "t2.一", "rules") == ["0", "0", "6"]
    assert values(parsed, "t2.六", "penalty") == ["0"]


def test_cells_ending_in_a_pipe_keep_their_blank_cells() -> None:
    """得荣: "行政许可 |", "0 |", "|", "0 |": the blank 本年增/减 is a blank cell (S106), not a lost one."""
    parsed = report("2019_四川得荣县_卫生健康局.txt")
    assert parsed.template == "2019-trial"
    assert values(parsed, "t2.五", "licensing") == ["0", "", "0"]
    result = check("2019_四川得荣县_卫生健康局.txt")
    s106 = [f for f in result.findings if f.rule_id == "S106"]
    assert {f.outcome.locator.table for f in s106} == {"表二（五）", "表二（六）", "表二（八）"}


def test_cells_separated_by_blank_lines_lose_no_row() -> None:
    """信丰: one cell per line, blank lines between, no separators: 表二's rows read, no false S107."""
    parsed = report("2023_江西信丰县_卫生健康委.txt")
    assert values(parsed, "t2.五", "licensing") == ["9"]
    assert values(parsed, "t2.六", "penalty") == ["47"]
    assert "S107" not in fails(check("2023_江西信丰县_卫生健康委.txt"))


def test_digits_run_into_their_label_are_split_one_per_column() -> None:
    """八里镇: "规章000" is 规章 | 0 | 0 | 0 (three digits, three columns); "行政许可0" is one value."""
    parsed = report("2023_辽宁海城市_八里镇.txt")
    assert values(parsed, "t2.一", "rules") == ["0", "0", "0"]
    assert values(parsed, "t2.五", "licensing") == ["0"]
    assert not {"S106", "S107"} & fails(check("2023_辽宁海城市_八里镇.txt"))


def test_a_row_label_with_a_long_note_is_still_its_row() -> None:
    """拖市镇: "规范性文件(行政机关制定发布的决定、公告……)" followed by its three values."""
    parsed = report("2020_湖北天门市_拖市镇.txt")
    assert values(parsed, "t2.一", "normative") == ["34", "4", "47"]
    assert "S107" not in fails(check("2020_湖北天门市_拖市镇.txt"))


def test_a_table_cut_off_by_the_excerpt_is_not_judged() -> None:
    """会仪镇: 表三 ends mid-row ("0 |" … "0"): its rows are not judged (no S106 or A203 from a cut row)."""
    parsed = report("2021_云南绥江县_会仪镇.txt")
    assert parsed.tables["t3"].truncated
    assert not parsed.tables["t2.一"].truncated
    result = check("2021_云南绥江县_会仪镇.txt")
    assert not {"S106", "A203"} & fails(result)
    assert {"S111"} <= fails(result)


# ------------------------------------------------------------------------------------------------- titles


def test_a_page_heading_without_the_body_gives_way_to_the_report_title() -> None:
    """松木塘镇: "2022年…年度报告" (page heading), then "桃江县松木塘镇人民政府" over the same words."""
    parsed = report("2022_湖南桃江县_松木塘镇.txt")
    assert parsed.body == "桃江县松木塘镇人民政府"
    result = check("2022_湖南桃江县_松木塘镇.txt")
    assert "S111" not in fails(result)
    assert "P401" in fails(result)  # | 规章 | 2 | 0 | 2 | in a town's report


def test_a_body_line_above_the_title_completes_it() -> None:
    """固阳: "固阳县民政局" / "2021年信息公开工作年度报告" is one title (which lacks 政府: S111)."""
    parsed = report("2021_内蒙古固阳县_民政局.txt")
    assert parsed.body == "固阳县民政局" and parsed.year == 2021
    assert "S111" in fails(check("2021_内蒙古固阳县_民政局.txt"))


def test_a_preamble_sentence_is_never_the_title() -> None:
    """郭仓镇's preamble says "本报告由郭仓镇人民政府按照…编制" and names the report: the title is the heading line."""
    parsed = report("2025_山东汶上县_郭仓镇.txt")
    assert parsed.title is not None and parsed.title.startswith("郭仓镇人民政府2025年")


def test_the_year_is_not_taken_from_a_signing_date() -> None:
    """桃源县卫计局 starts with "2018年3月12日" and covers 2017: the sentence naming the report gives the year."""
    parsed = report("2017_湖南桃源县_卫生和计划生育局.txt")
    assert parsed.year == 2017


# ---------------------------------------------------------------------------------------------- old formats


def test_a_2016_report_is_held_to_the_2008_regulation() -> None:
    """安丘市卫计局 2016: no 2021 sections, tables or wording apply; a 2008-style title passes S111. Checked as if
    complete, it is held to the six topics of 2008 条例 第三十二条, and a topic it does not reach is a warning."""
    parsed = report("2016_山东安丘市_卫生和计划生育局.txt")
    assert parsed.template == "pre-2019"
    assert parsed.format_for().key == "pre-2019"
    assert not parsed.tables
    assert not fails(check("2016_山东安丘市_卫生和计划生育局.txt"))
    whole = check("2016_山东安丘市_卫生和计划生育局.txt", excerpt=False)
    assert {f.rule_id for f in whole.findings} <= {"S101"}
    assert all(f.outcome.effective_severity == "warning" and "2008" in f.outcome.message for f in whole.findings)


def test_a_page_in_traditional_characters_is_read() -> None:
    """沙塘镇 2016 (a 繁體 copy): read in simplified characters; its wrong sum (2483 ≠ 319+851+2348) is found."""
    parsed = report("2016_广东开平市_沙塘镇.txt")
    assert parsed.year == 2016
    assert any("2483" in f.outcome.message for f in check("2016_广东开平市_沙塘镇.txt").findings if f.rule_id == "T304")


def test_an_excerpt_starting_after_the_title_is_still_a_report() -> None:
    """宿安乡 2018 begins "本报告由概述、政府信息公开的组织领导…组成": a report, not "不是年度报告"."""
    assert report("2018_山东临邑县_宿安乡.txt").year == 2018


def test_deadlines_follow_the_regulation_in_force_for_the_year() -> None:
    assert default_deadline("department", 2017) == (date(2018, 3, 31), True)
    assert default_deadline("town", 2018) == (date(2019, 3, 31), True)
    assert default_deadline("department", 2019) == (date(2020, 1, 31), True)
    assert default_deadline("town", 2024) == (date(2025, 1, 31), False)
    result = check("2017_湖北沙洋县_县人民政府.txt", body_type="county", published_on=date(2018, 3, 20))
    assert "D602" not in fails(result)


def test_the_trial_format_is_right_in_2020_and_wrong_in_2021() -> None:
    assert "S108" not in fails(check("2020_辽宁建平县_卫生健康局.txt"))
    assert "S108" in fails(check("2021_陕西平利县_正阳镇.txt"))


def test_a_negative_change_in_the_trial_format_is_no_defect() -> None:
    """建平 2020: 本年增/减 holds -3 and -1, which the trial format allows."""
    assert "A205" not in fails(check("2020_辽宁建平县_卫生健康局.txt"))


# -------------------------------------------------------------------------------------------- body types


def test_offices_above_the_county_are_not_county_departments() -> None:
    assert infer_body_type("上海市人民政府办公厅") is None
    assert infer_body_type("福建省司法厅") is None
    assert infer_body_type("凉山州审计局") is None
    assert infer_body_type("平度市审计局") is None  # a county-level city's or a prefecture city's: not known
    assert infer_body_type("西峡县市场监督管理局") == "department"
    assert infer_body_type("郑州市金水区教育局") == "department"
    shanghai = REAL / "2019_上海市_市人民政府办公厅.html"
    result = run_rules(parse_report(extract(shanghai.read_bytes())), Context())
    assert "P401" not in fails(result)  # 规章 13 / 13 / 524: a provincial-level government makes 规章


def test_every_real_report_reads_without_a_rule_error() -> None:
    for path in sorted(Path(REAL).iterdir()):
        if path.suffix in (".txt", ".html"):
            result = check(path.name, excerpt=path.suffix == ".txt")
            assert not [o for o in result.uncertain if "规则执行出错" in o.message], path.name


# ------------------------------------------------------------------------------------------------ sums, info


def test_parts_that_do_not_make_the_stated_total() -> None:
    """T304 on real sentences: parts over the total (清水: 120 > 115, with "双随机、一公开" one item), a complete list
    under it (山阳: 6005 < 6391, closed by 其他信息共计), parts separated by semicolons (宿安乡), and a sum that
    holds before another count starts (云林: 172 = the seven kinds; the 224 WeChat posts are another count)."""

    def t304(name: str) -> list[str]:
        return [f.outcome.message for f in check(name).findings if f.rule_id == "T304"]

    assert any("120条" in m for m in t304("2023_甘肃清水县_教育局.txt"))
    assert any("6005条" in m for m in t304("2020_陕西山阳县_县人民政府.txt"))
    assert any("2503条" in m for m in t304("2018_山东临邑县_宿安乡.txt"))
    assert any("347条" in m for m in t304("2023_重庆沙坪坝区_小龙坎街道.txt"))  # notes in brackets skipped
    assert not t304("2019_江苏无锡锡山区_云林街道.txt")
    assert not t304("2024_云南弥勒市_朋普镇.txt")  # 597 = 6+315+95+73+108


def test_the_2019_notice_cited_by_its_title_is_the_trial_basis() -> None:
    """建宁乡 2021 cites 《…关于政府信息公开工作年度报告有关事项的通知》 (国办公开办函〔2019〕60号) only: S113."""
    assert "S113" in {f.rule_id for f in check("2021_山西高平市_建宁乡.txt").findings}


def test_local_notes_printed_into_labels() -> None:
    """保康 2021 "规章(县级无此项)", 拖市镇 2020 (trial format, right then) "规章(设区的市…)": S112 (info)."""
    for name in ("2021_湖北保康县_农业农村局.txt", "2020_湖北天门市_拖市镇.txt"):
        found = [f for f in check(name).findings if f.rule_id == "S112"]
        assert any(f.outcome.locator.row == "规章（附注）" for f in found), name
    trial = [f for f in check("2020_辽宁建平县_卫生健康局.txt").findings if f.rule_id == "S112"]
    assert not trial  # "规范性文件" is the trial format's own label


# ------------------------------------------------------------------------------------------------ detection


def test_a_text_report_mentioning_a_tag_is_text() -> None:
    """A real text report whose prose mentions "<table>" stays a text report (it was read as a web page)."""
    data = (REAL / "2022_湖南桃江县_松木塘镇.txt").read_text(encoding="utf-8")
    data = data.replace("主动公开政府信息32条", "主动公开政府信息32条（以<table>表格和<p>段落形式发布）", 1)
    document = extract(data.encode("utf-8"))
    assert document.format == "text"
    assert parse_report(document, excerpt=True).body == "桃江县松木塘镇人民政府"


def test_an_html_fragment_is_a_web_page() -> None:
    """The Shanghai report's content, which starts with a <p> tag and has no <html>, is read as HTML."""
    assert extract((REAL / "2019_上海市_市人民政府办公厅.html").read_bytes()).format == "html"
