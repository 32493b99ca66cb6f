"""rules/locations.py: how a finding's locator is said to a person, on locators the extractors and the monitor
really write. The literal ones below were copied from findings stored by ``nianbao check --format json`` and the
monitor (seed 003 as a hanweb page, seed 000 drawn as a PDF, the text seeds, D601/D603/D606); the last test reads
every finding the far demo county stored (a text, a web page and a PDF) and says each of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from monitor.store.findings import list_findings
from rules.locations import describe, place, position, raw_source, section_name, table_name, technical
from tests.dashboard.demo_data import Demo

XPATH_P = "/html/body/div/table/tr/td[2]/div[2]/div[3]/p[21]"
XPATH_TABLE = "/html/body/div/table/tr/td[2]/div[2]/div[3]/table[2]"
P402_ROW = "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
#: What must never reach a person: element paths, Word paths, PDF boxes, the extractors' English.
RAW = re.compile(r"/html|/w:|\bbox\b|\d+,\d+,\d+,\d+|\bpage\b|\bline\b|unknown|http")

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "html-paragraph",  # S109 of seed 003 published as a hanweb page
        {"section": "六", "table": None, "row": None, "column": None, "source": XPATH_P},
        "第六部分",
    ),
    (
        "html-table-column",  # S105 of seed 001 as a hanweb page
        {"section": "三", "table": "表三", "row": None, "column": "其他", "source": XPATH_TABLE},
        "表三「其他」",
    ),
    (
        "html-table-rows",  # S106 of seed 003 as a hanweb page
        {
            "section": "三",
            "table": "表三",
            "row": "一、本年新收政府信息公开申请数量 等25行",
            "column": "共7列",
            "source": XPATH_TABLE,
        },
        "表三「一、本年新收政府信息公开申请数量 等25行」「共7列」",
    ),
    (
        "pdf-table-box",  # S106 of seed 000 drawn as a PDF
        {"section": "四", "table": "表四", "row": "数据行", "column": "共15列", "source": "page 3, box 57,630,539,718"},
        "表四「数据行」「共15列」（第3页）",
    ),
    (
        "pdf-line",  # S109 of seed 003 drawn as a PDF
        {"section": "六", "table": None, "row": None, "column": None, "source": "page 4, line 13"},
        "第六部分（第4页第13行）",
    ),
    (
        "text-cell",  # A203 of the demo's corrected seed 000
        {"section": "三", "table": "表三", "row": "一、本年新收政府信息公开申请数量", "column": "总计", "source": "line 53"},
        "表三「一、本年新收政府信息公开申请数量」「总计」（第53行）",
    ),
    (
        "text-row",  # P402 of seed 002
        {"section": "三", "table": "表三", "row": P402_ROW, "column": None, "source": "line 72"},
        f"表三「{P402_ROW}」（第72行）",
    ),
    (
        "table-id",  # a locator naming the table by the parser's id
        {"section": "三", "table": "t3", "row": "（七）总计", "column": "自然人", "source": "line 48"},
        "表三「（七）总计」「自然人」（第48行）",
    ),
    (
        "table-two-part",
        {"section": "二", "table": "t2.一", "row": "规章", "column": "本年制发件数", "source": "page 2, box 1,2,3,4"},
        "表二（一）「规章」「本年制发件数」（第2页）",
    ),
    (
        "quoted-sentence",  # a narrative rule quotes the sentence it read (row = the sentence's first words)
        {"section": None, "table": None, "row": "本年共受理政府信息公开申请12件", "column": None, "source": XPATH_P},
        "「本年共受理政府信息公开申请12件」",
    ),
    ("title", {"section": None, "table": None, "row": "标题", "column": None, "source": "line 1"}, "标题（第1行）"),
    ("sections", {"section": "一、五", "table": None, "row": None, "column": None, "source": None}, "第一、五部分"),
    ("docx", {"section": "三", "source": "/w:document/w:body/w:tbl[2]/w:tr[3]/w:tc[4]"}, "第三部分"),
    (  # the monitor's own rules: D601, D602, D603 and D606 (the source is the report's address)
        "d601",
        {"section": None, "table": None, "row": "年度报告", "column": None, "source": None},
        "年度报告",
    ),
    ("d602", {"section": None, "table": None, "row": "发布日期", "column": None, "source": None}, "发布日期"),
    (
        "d603",
        {
            "section": None,
            "table": None,
            "row": "报告内容",
            "column": None,
            "source": "http://127.0.0.1/zfxxgknb/ciying/2025.html",
        },
        "报告内容",
    ),
    (
        "d606",
        {"section": None, "table": None, "row": "报告链接", "column": None, "source": "http://127.0.0.1/nb/2025.pdf"},
        "报告链接",
    ),
    ("nothing", {}, "全文"),
    ("only-a-path", {"source": XPATH_P}, "全文"),
    ("only-a-page", {"source": "page 5, box 1,2,3,4"}, "第5页"),
]


@pytest.mark.parametrize(("locator", "said"), [(loc, said) for _, loc, said in CASES], ids=[c[0] for c in CASES])
def test_a_locator_is_said_in_words(locator: dict[str, Any], said: str) -> None:
    assert describe(locator) == said
    assert not RAW.search(describe(locator))


def test_the_parts_of_a_place() -> None:
    assert position("page 3, box 56,120,300,140") == "第3页" and position("line 48") == "第48行"
    assert position("page 2, line 7") == "第2页第7行"
    assert position(XPATH_P) == position("meta[ArticleTitle]") == position("unknown") == position(None) == ""
    assert table_name("t4") == "表四" and table_name("t2.八") == "表二（八）" and table_name("表三") == "表三"
    assert section_name("三") == "第三部分" and section_name("三、") == "第三部分" and section_name("第三部分") == "第三部分"
    assert section_name("主动公开政府信息情况") == "「主动公开政府信息情况」"
    assert place({"section": "三", "source": "line 4"}) == "第三部分" and place({}) == ""


def test_the_raw_source_is_kept_for_an_expert() -> None:
    assert raw_source({"source": XPATH_P}) == XPATH_P
    assert raw_source({"source": "page 3, box 57,630,539,718"}) == "page 3, box 57,630,539,718"
    assert raw_source({"source": "unknown"}) is None and raw_source({"source": None}) is None and raw_source({}) is None
    # … and shown to one only when it holds more than the page or line already said
    assert technical({"source": XPATH_P}) == XPATH_P
    assert technical({"source": "page 3, box 57,630,539,718"}) == "page 3, box 57,630,539,718"
    assert technical({"source": "http://127.0.0.1/nb/2025.pdf"}) == "http://127.0.0.1/nb/2025.pdf"
    assert technical({"source": "line 48"}) is None and technical({"source": "page 4, line 13"}) is None
    assert technical({"source": "unknown"}) is None and technical({}) is None


def test_every_finding_the_far_county_stored_is_said_without_a_path(far_demo: Demo) -> None:
    with far_demo.app.store.db.transaction() as session:
        found = list_findings(session)
    said = {(f.body_id, f.rule): describe(f.locator) for f in found}
    assert not [s for s in said.values() if RAW.search(s)], said
    sources = {(f.body_id, f.rule): f.locator.get("source") or "" for f in found}
    assert sources[("gaozhuang", "S109")].startswith("/html/") and said[("gaozhuang", "S109")] == "第六部分"
    assert sources[("xianfu", "S106")].startswith("page 3, box") and said[("xianfu", "S106")].endswith("（第3页）")
    assert re.fullmatch(r"第六部分（第\d+行）", said[("jiaohu", "S109")])
    assert said[("shenji", "D601")] == "年度报告" and said[("ciying", "D603")] == "报告内容"
