"""HTML extraction: encodings, meta tags, boilerplate, tables as grids, titles, and the seed reports as portal pages."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from documents.encoding import detect_encoding
from documents.errors import ExtractionError
from documents.html import extract_html
from documents.model import Cell, Document, Paragraph, Table
from documents.text import extract_text
from tests.conftest import FIXTURES, seed_path

PAGES = FIXTURES / "html"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
SEED_NUMBERS = ("000", "001", "002", "003", "004")
STYLES = ("trs", "hanweb")
REPORT = "一、总体情况"


def page(body: str, head: str = "", *, charset: str | None = "utf-8") -> str:
    """A page around ``body``; without a <title> (it would become the first block, see the title tests)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<!DOCTYPE html><html><head>{meta}{head}</head><body>{body}</body></html>"


def extract(body: str, head: str = "") -> Document:
    return extract_html(page(body, head).encode("utf-8"))


def texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def grid(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


def spanned(table: Table) -> list[list[bool]]:
    return [[cell.spanned for cell in row] for row in table.rows]


# ------------------------------------------------------------------------------------------------ encodings

CHINESE = "大峪镇人民政府2025年政府信息公开工作年度报告。本年度未收取信息处理费。"


def test_utf8_page() -> None:
    data = page(f"<p>{CHINESE}</p>").encode("utf-8")
    assert detect_encoding(data) == "utf-8"
    assert texts(extract_html(data)) == [CHINESE]


def test_gbk_declared_by_meta() -> None:
    data = page(f"<p>{CHINESE}</p>", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', charset=None)
    encoded = data.encode("gbk")
    assert detect_encoding(encoded) == "gb18030"  # the superset: gb2312 pages hold GBK-only characters
    assert texts(extract_html(encoded)) == [CHINESE]


def test_gbk_declared_only_by_the_http_header() -> None:
    encoded = page(f"<p>{CHINESE}</p>", charset=None).encode("gbk")
    assert detect_encoding(encoded, "text/html; charset=GBK") == "gb18030"
    assert texts(extract_html(encoded, content_type="text/html; charset=GBK")) == [CHINESE]


def test_gb18030_undeclared() -> None:
    text = CHINESE + "㐀䶵"  # characters outside GBK: four-byte GB18030
    encoded = page(f"<p>{text}</p>", charset=None).encode("gb18030")
    assert detect_encoding(encoded) == "gb18030"
    assert texts(extract_html(encoded)) == [text]


def test_page_declaring_utf8_but_written_in_gbk() -> None:
    encoded = page(f"<p>{CHINESE}</p>", charset="utf-8").encode("gbk")
    assert detect_encoding(encoded, "text/html; charset=utf-8") == "gb18030"
    assert texts(extract_html(encoded, content_type="text/html; charset=utf-8")) == [CHINESE]


def test_page_declaring_gbk_but_written_in_utf8() -> None:
    encoded = page(f"<p>{CHINESE}</p>", charset="gb2312").encode("utf-8")
    assert detect_encoding(encoded, "text/html; charset=gbk") == "utf-8"
    assert texts(extract_html(encoded)) == [CHINESE]


def test_latin1_header_is_a_server_default_not_the_encoding() -> None:
    encoded = page(f"<p>{CHINESE}</p>", charset="gb2312").encode("gbk")
    assert detect_encoding(encoded, "text/html; charset=ISO-8859-1") == "gb18030"


def test_byte_order_mark_wins() -> None:
    data = page(f"<p>{CHINESE}</p>", charset="gb2312")
    assert detect_encoding(b"\xef\xbb\xbf" + data.encode("utf-8"), "text/html; charset=gbk") == "utf-8-sig"
    assert texts(extract_html(b"\xef\xbb\xbf" + data.encode("utf-8"))) == [CHINESE]
    utf16 = data.encode("utf-16")  # with its BOM
    assert detect_encoding(utf16) == "utf-16"
    assert texts(extract_html(utf16)) == [CHINESE]


# ------------------------------------------------------------------------------------------------ not a page


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "doc"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "图片"),
        (b"", "为空"),
        ("大峪镇人民政府 2025 年政府信息公开工作年度报告\n一、总体情况\n".encode(), "不是网页"),
        (bytes(range(256)) * 20, ""),
    ],
    ids=["pdf", "docx", "doc", "png", "empty", "plain-text", "binary"],
)
def test_non_html_bytes_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract_html(data)
    assert says in raised.value.reason
    assert "\n" not in raised.value.reason


def test_damaged_gbk_page_keeps_its_declared_encoding() -> None:
    encoded = page(f"<p>{CHINESE}</p><p>{CHINESE}</p>", charset="gb2312").encode("gbk")
    cut = encoded.index(CHINESE.encode("gbk")) + 4  # a stray lead byte between two characters, as a bad edit leaves
    damaged = encoded[:cut] + b"\x81" + encoded[cut:]
    assert detect_encoding(damaged) == "gb18030"
    assert texts(extract_html(damaged))[1] == CHINESE


def test_undecodable_page_is_refused() -> None:
    garbage = bytes([0x81, 0x20]) * 400  # a GBK lead byte followed by a space: nothing decodes this
    with pytest.raises(ExtractionError, match="编码"):
        extract_html(b"<html><body><p>" + garbage + b"</p></body></html>")


# ------------------------------------------------------------------------------------------------ meta


def test_meta_tags_in_any_case() -> None:
    head = (
        '<META NAME="SITENAME" CONTENT="某县人民政府"><meta name="articleTitle" content="某镇2025年年度报告">'
        '<meta name="PubDate" content=" 2026-01-20  10:00 "><meta name="columnname" content="政府信息公开年报">'
        '<meta name="ContentSource" content="某镇"><meta name="Keywords" content="年报"><title>测试页面</title>'
    )
    document = extract(f'<div id="zoom"><p>{REPORT}</p><p>{CHINESE}</p></div>', head)
    assert document.meta["sitename"] == "某县人民政府"
    assert document.meta["articletitle"] == "某镇2025年年度报告"
    assert document.meta["pubdate"] == "2026-01-20 10:00"
    assert document.meta["columnname"] == "政府信息公开年报"
    assert document.meta["contentsource"] == "某镇"
    assert document.meta["keywords"] == "年报"
    assert document.meta["title"] == "测试页面"
    assert all(key == key.lower() for key in document.meta)
    assert document.format == "html"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("发布时间：2026-01-20 10:00 来源：某镇人民政府", "2026-01-20 10:00"),
        ("<span>发布日期:</span><span>2026年01月20日</span>", "2026年01月20日"),
        ("公开日期：[ 2026/01/20 ]", "2026/01/20"),
        ("成文日期：2026-01-16 发布日期：2026-01-20", "2026-01-20"),
    ],
)
def test_published_text(label: str, expected: str) -> None:
    document = extract(f'<div class="info">{label}</div><div id="zoom"><p>{CHINESE}</p></div>')
    assert document.meta["published_text"] == expected


def test_published_text_nearest_the_article_wins_over_a_sidebar_list() -> None:
    body = f"""<div class="side"><ul><li>其他文章 发布时间：2025-12-01</li></ul></div>
    <div class="article"><div class="info">发布时间：2026-01-20 10:00</div><div id="zoom"><p>{CHINESE}</p></div></div>"""
    assert extract(body).meta["published_text"] == "2026-01-20 10:00"


def test_no_published_text_from_other_dates() -> None:
    document = extract(
        f'<div class="info">成文日期：2026-01-16 公文生成日期：2026-01-17</div><div id="zoom"><p>{CHINESE}</p></div>'
    )
    assert "published_text" not in document.meta


# ------------------------------------------------------------------------------------------------ the body


def test_navigation_header_footer_and_scripts_dropped_without_a_known_container() -> None:
    body = f"""
    <div class="header"><h1 class="logo">某县人民政府</h1></div>
    <div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li></ul></div>
    <nav><a href="/">网站导航</a></nav>
    <div class="wrap">
      <div class="crumbs">当前位置：首页 &gt; 政务公开</div>
      <div class="main-body">
        <p>{REPORT}</p><p>{CHINESE}</p><p>{CHINESE}</p><p>{CHINESE}</p>
        <div class="bdsharebuttonbox">分享到：微信</div>
        <script>document.write("脚本文字")</script><style>p {{ color: red }}</style>
      </div>
    </div>
    <footer>主办单位：某县人民政府办公室 网站标识码：1234567890</footer>
    """
    assert texts(extract(body)) == [REPORT, CHINESE, CHINESE, CHINESE]


@pytest.mark.parametrize(
    "container",
    [
        '<div class="TRS_Editor">{}</div>',
        '<div id="zoom">{}</div>',
        '<div id="UCAP-CONTENT">{}</div>',
        '<div class="bt_content">{}</div>',
        '<div class="main-txt">{}</div>',
        '<div id="barrierfree_container"><div class="article">{}</div></div>',
        '<div class="article-con">{}</div>',
        '<div class="view TRS_UEDITOR">{}</div>',
        '<div class="content">{}</div>',
    ],
)
def test_known_containers(container: str) -> None:
    # The sidebar holds more text than the report: only the known container tells them apart.
    sidebar = "<div class='left'>" + "".join(f"<p>栏目{i}：政府信息公开指南与制度汇编</p>" for i in range(12)) + "</div>"
    document = extract(sidebar + container.format(f"<p>{REPORT}</p><p>{CHINESE}</p>"))
    assert texts(document) == [REPORT, CHINESE]


def test_old_hanweb_cell_container_and_hidden_elements() -> None:
    body = f"""<table><tr><td class="left">{"栏目导航文字很多很多。" * 20}</td>
    <td id="zoom" class="bt_content"><p>{REPORT}</p><div style="display: none">隐藏的文字</div><p>{CHINESE}</p></td>
    </tr></table>"""
    assert texts(extract(body)) == [REPORT, CHINESE]


def test_scanned_report_is_its_image_not_the_sidebar() -> None:
    head = '<meta name="ArticleTitle" content="某镇2025年政府信息公开工作年度报告（图片版）">'
    sidebar = "<div class='left'>" + "".join(f"<p>栏目{i}：政府信息公开指南与制度汇编</p>" for i in range(12)) + "</div>"
    document = extract(sidebar + '<div class="TRS_Editor"><p><img src="nb2025.jpg"></p></div>', head)
    assert texts(document) == ["某镇2025年政府信息公开工作年度报告（图片版）"]


def test_xml_declaration_and_invisible_characters() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?><html><body><div id="zoom"><p>一、\u200b总体\ufeff情况</p></div></body></html>'
    assert texts(extract_html(html.encode("utf-8"))) == [REPORT]


def test_blocks_in_reading_order() -> None:
    body = f"""<div id="zoom">
      <h3>{REPORT}</h3>
      <p>（一）主动公开</p>
      <p><strong>二、主动公开政府信息情况</strong></p>
      <ul><li>1、政策解读有待提升。</li><li>2、<b>队伍</b>建设。</li></ul>
      <div>直接写在 div 里的文字<p>段落</p>段落后的文字</div>
    </div>"""
    document = extract(body)
    assert [(p.text, p.heading, p.list_item) for p in document.paragraphs] == [
        (REPORT, 3, False),
        ("（一）主动公开", 0, False),
        ("二、主动公开政府信息情况", 0, False),  # bold is not a heading: the rules read headings by their text
        ("1、政策解读有待提升。", 0, True),
        ("2、队伍建设。", 0, True),
        ("直接写在 div 里的文字", 0, False),
        ("段落", 0, False),
        ("段落后的文字", 0, False),
    ]
    assert all(p.source.path and p.source.path.startswith("/html/body/div") for p in document.paragraphs)


def test_whitespace_nbsp_ideographic_space_and_br() -> None:
    body = '<div id="zoom"><p>&nbsp;&nbsp;第一行\u3000\u3000有空格\n  换行<br>第二行<br/><br/>第三行</p></div>'
    assert texts(extract(body)) == ["第一行 有空格 换行", "第二行", "第三行"]


# ------------------------------------------------------------------------------------------------ tables


def only_table(body: str) -> Table:
    tables = extract(f'<div id="zoom"><p>{REPORT}</p>{body}</div>').tables
    assert len(tables) == 1
    return tables[0]


def test_rowspan_and_colspan_expand_into_a_grid() -> None:
    table = only_table(
        """<table>
        <tr><td rowspan="2" colspan="2">勾稽</td><td colspan="2">申请人情况</td><td rowspan="2">总计</td></tr>
        <tr><td>自然人</td><td>商业企业</td></tr>
        <tr><td rowspan="2">三、</td><td>(一)</td><td>1</td><td>2</td><td>3</td></tr>
        <tr><td>(二)</td><td>4</td><td>5</td><td>9</td></tr>
        </table>"""
    )
    assert grid(table) == [
        ["勾稽", "勾稽", "申请人情况", "申请人情况", "总计"],
        ["勾稽", "勾稽", "自然人", "商业企业", "总计"],
        ["三、", "(一)", "1", "2", "3"],
        ["三、", "(二)", "4", "5", "9"],
    ]
    assert spanned(table) == [
        [False, True, False, True, False],
        [True, True, False, False, True],
        [False, False, False, False, False],
        [True, False, False, False, False],
    ]
    origin = table.rows[0][0]
    assert table.rows[1][1] == Cell("勾稽", origin.source, spanned=True)
    assert origin.source.path is not None
    assert origin.source.path.endswith("/table[1]/tr[1]/td[1]")
    assert table.rows[3][2].source.path is not None
    assert table.rows[3][2].source.path.endswith("/tr[4]/td[2]")


def test_a_short_row_stays_short() -> None:
    table = only_table(
        """<table>
        <tr><td>项目</td><td>自然人</td><td>商业企业</td><td>其他</td><td>总计</td></tr>
        <tr><td rowspan="2">(三)</td><td>0</td><td>0</td><td>0</td></tr>
        <tr><td>0</td><td>0</td></tr>
        </table>"""
    )
    assert [len(row) for row in table.rows] == [5, 4, 3]
    assert grid(table)[2] == ["(三)", "0", "0"]


def test_a_long_row_stays_long() -> None:
    table = only_table("<table><tr><td>a</td><td>b</td></tr><tr><td>0</td><td>0</td><td>0</td></tr></table>")
    assert [len(row) for row in table.rows] == [2, 3]


def test_th_thead_tbody_and_br_in_cells() -> None:
    table = only_table(
        """<table><caption>表三</caption>
        <thead><tr><th>结果<br>维持</th><th><p>结果</p><p>纠正</p></th></tr></thead>
        <tbody><tr><td>&nbsp;1&nbsp;</td><td>2</td></tr></tbody>
        </table>"""
    )
    assert grid(table) == [["结果 维持", "结果 纠正"], ["1", "2"]]
    assert table.rows[0][0].source.path is not None
    assert table.rows[0][0].source.path.endswith("/thead[1]/tr[1]/th[1]")


def test_absurd_spans_are_clamped_to_the_table() -> None:
    table = only_table(
        """<table>
        <tr><td rowspan="1000">甲</td><td colspan="5000">乙</td></tr>
        <tr><td>1</td></tr>
        <tr><td>2</td></tr>
        </table>"""
    )
    assert grid(table) == [["甲", "乙"], ["甲", "1"], ["甲", "2"]]


def test_rowspan_zero_runs_to_the_end() -> None:
    table = only_table('<table><tr><td rowspan="0">甲</td><td>1</td></tr><tr><td>2</td></tr></table>')
    assert grid(table) == [["甲", "1"], ["甲", "2"]]


def test_nested_layout_table_is_walked_not_emitted() -> None:
    body = f"""<table width="100%"><tr>
      <td class="left"><p>{REPORT}</p><p>{CHINESE}</p></td>
      <td><table border="1"><tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>3</td></tr></table>
          <p>表后文字</p></td>
    </tr></table>"""
    blocks = extract(f'<div id="zoom">{body}</div>').blocks
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    table = blocks[2]
    assert isinstance(table, Table)
    assert grid(table) == [["规章", "0"], ["行政规范性文件", "3"]]


def test_a_single_cell_table_is_a_frame() -> None:
    document = extract(f'<div id="zoom"><table><tr><td><p>{REPORT}</p><p>{CHINESE}</p></td></tr></table></div>')
    assert texts(document) == [REPORT, CHINESE]
    assert document.tables == ()


# ------------------------------------------------------------------------------------------------ titles


def test_title_from_the_heading_above_the_content_comes_first() -> None:
    body = f"""<div class="header"><h1>某县人民政府</h1></div>
    <div class="article"><h1>某镇人民政府2025年政府信息公开工作年度报告</h1>
    <div class="info">发布时间：2026-01-20</div><div id="zoom"><p>{REPORT}</p></div></div>"""
    first = extract(body).blocks[0]
    assert isinstance(first, Paragraph)
    assert (first.text, first.heading) == ("某镇人民政府2025年政府信息公开工作年度报告", 1)
    assert first.source.path == "/html/body/div[2]/h1"


def test_title_from_a_title_class() -> None:
    body = f'<div class="article"><div class="title">某镇2025年年度报告</div><div id="zoom"><p>{REPORT}</p></div></div>'
    assert texts(extract(body))[:2] == ["某镇2025年年度报告", REPORT]


def test_title_not_repeated_when_the_body_starts_with_it_even_split() -> None:
    body = f"""<div class="article"><h1>某镇人民政府2025年政府信息公开工作年度报告</h1>
    <div id="zoom"><h1>某镇人民政府</h1><h2>2025 年政府信息公开工作年度报告</h2><p>{REPORT}</p></div></div>"""
    assert texts(extract(body)) == ["某镇人民政府", "2025 年政府信息公开工作年度报告", REPORT]


def test_title_from_meta_then_from_the_title_tag() -> None:
    head = '<meta name="ArticleTitle" content="某镇2025年年度报告">'
    assert texts(extract(f'<div id="zoom"><p>{REPORT}</p></div>', head))[0] == "某镇2025年年度报告"
    html = f"""<html><head><meta charset="utf-8"><meta name="SiteName" content="某县人民政府">
    <title>某镇2025年年度报告_某县人民政府</title></head><body><div id="zoom"><p>{REPORT}</p></div></body></html>"""
    document = extract_html(html.encode("utf-8"))
    assert texts(document)[0] == "某镇2025年年度报告"
    assert document.paragraphs[0].heading == 1


# ------------------------------------------------------------------------------------------------ the seeds as pages


def seed_document(number: str) -> Document:
    return extract_text(seed_path(number).read_text(encoding="utf-8"))


def fixture(number: str, style: str) -> Document:
    return extract_html((PAGES / f"{number}_{style}.html").read_bytes())


def numeric_rows(document: Document) -> list[list[str]]:
    """Per table row that holds numbers: its numbers, spanned copies left out."""
    rows = []
    for table in document.tables:
        for row in table.rows:
            values = [cell.text for cell in row if not cell.spanned and NUMBER.fullmatch(cell.text)]
            if values:
                rows.append(values)
    return rows


def paragraph_list(document: Document) -> list[tuple[str, int, bool]]:
    return [(" ".join(p.text.split()), p.heading, p.list_item) for p in document.paragraphs]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("number", SEED_NUMBERS)
def test_seed_page_tables_hold_the_seed_values(number: str, style: str) -> None:
    expected = numeric_rows(seed_document(number))
    assert expected, "the seed has numbers"
    assert numeric_rows(fixture(number, style)) == expected


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("number", SEED_NUMBERS)
def test_seed_page_paragraphs_are_the_seed_paragraphs(number: str, style: str) -> None:
    assert paragraph_list(fixture(number, style)) == paragraph_list(seed_document(number))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("number", SEED_NUMBERS)
def test_seed_page_meta_and_no_site_chrome(number: str, style: str) -> None:
    document = fixture(number, style)
    assert document.meta["pubdate"] == "2026-01-20 10:00"
    assert document.meta["articletitle"].endswith("2025年政府信息公开工作年度报告")
    assert document.meta["published_text"].startswith("2026-01-20")
    assert document.meta["sitename"].endswith("人民政府")
    assert len(document.tables) == 3
    chrome = ("首页", "当前位置", "网站标识码", "ICP", "分享", "打印", "浏览次数", "发布时间", "发布日期", "索引号")
    for text in texts(document) + [cell for table in document.tables for cell in table.texts()]:
        assert not any(word in text for word in chrome), text


@pytest.mark.parametrize("style", STYLES)
def test_seed_defects_survive_in_the_page_tables(style: str) -> None:
    # 000: 表四's data row holds 16 values under 15 column labels.
    review = fixture("000", style).tables[2]
    assert [len(row) for row in review.rows] == [15, 15, 15, 16]
    # 001: no 其他 column; the 19 numbered rows under (三)…(六) hold 5 values, so they are one cell short.
    requests = fixture("001", style).tables[1]
    widths = [len(row) for row in requests.rows]
    assert widths.count(8) == 19
    assert widths.count(9) == len(widths) - 19
    assert "其他" not in [cell.text for cell in requests.rows[2]]
    # 000: the 三、本年度办理结果 label broken over three lines is one rowspan cell.
    results = fixture("000", style).tables[1]
    assert results.rows[5][0].text == "三、 本年 度办 理 结 果"
    assert [row[0].spanned for row in results.rows[5:27]] == [False] + [True] * 21


def test_not_a_report_page() -> None:
    document = extract_html((PAGES / "not_a_report.html").read_bytes())
    assert texts(document)[0] == "关于召开2026年全县政务公开工作会议的通知"
    assert document.meta["published_text"] == "2026-01-06 09:30"  # not the 成文日期 in the body
    assert not any("年度报告" in text for text in texts(document))
    assert document.tables == ()


def test_fixture_pages_are_what_the_generator_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("build_pages", PAGES / "build_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_pages", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    generated: dict[str, bytes] = module.pages()
    assert sorted(generated) == sorted(p.name for p in PAGES.glob("*.html"))
    for name, data in generated.items():
        assert (PAGES / name).read_bytes() == data, f"{name} is stale: run build_pages.py"
    assert "build_pages.py" in (PAGES / "README.md").read_text(encoding="utf-8")


def test_hanweb_fixture_is_gbk_encoded() -> None:
    data = (PAGES / "001_hanweb.html").read_bytes()
    assert b"charset=gb2312" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert Path(PAGES / "001_trs.html").read_bytes().decode("utf-8")
