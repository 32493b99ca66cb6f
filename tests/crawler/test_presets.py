"""Portal presets on real markup: detection, list reading, the further-page requests each system needs.

The markup excerpts are verbatim from real portals as public crawlers and their tests quote them (sources noted at
each); report titles are put in where the real list held other articles.
"""

from __future__ import annotations

import json

import pytest

from crawler.links import PageRequest, read_list
from crawler.presets import PRESETS, ListContext, detect, preset_names
from crawler.presets.gkmlpt import api_url
from documents.html import extract_html
from monitor.config import PRESET_NAMES, SELECTOR_NAMES, ConfigError, parse_config

# jiangsu.gov.cn column page (structure kept by a public crawler's test: "结构照搬真实"), titles replaced.
HANWEB_COLUMN = """<html><head><meta name="ColumnName" content="政府信息公开年报"></head><body>
<div id="212860"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=33718&unitid=212860&webname=江苏省人民政府&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href='/art/2026/1/20/art_33718_11828204.html' title='江苏省人民政府办公厅2025年政府信息公开工作年度报告'>江苏省人民政府办公厅2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>]]></record>
<record><![CDATA[<li><a href='/art/2025/1/15/art_33718_11693505.html' title='江苏省人民政府办公厅2024年政府信息公开工作年度报告'>江苏省人民政府办公厅2024年政府信息公开工作年度报告</a><span>2025-01-15</span></li>]]></record>
</recordset></datastore></script></div>
<script>$(function(){$('#212860').jpage({themeName:'default',showMode:'full',totalRecord:100,openCookies:false,dataBefore:'',dataStore:InitData212860,dataAfter:'',groupSize:3,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,barPosition:'bottom',ajaxParam:{col:1,appid:'1',webid:1,path:'/',columnid:33718,unitid:'212860',webname:'江苏省人民政府',permissiontype:0}});});</script>
</body></html>"""

# 定西 dataproxy.jsp answer as a public crawler saved it (date in <b>), with a <totalrecord> as jshrss's answers have.
HANWEB_PROXY = """<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>100</totalrecord><totalpage>7</totalpage>
        <recordset>
        <record><![CDATA[
        <li class="clearfix">    <a target="_blank" href="/art/2022/1/20/art_12377_1486865.html" title="定西市2021年政府信息公开工作年度报告">定西市2021年政府信息公开工作年度报告</a>    <b>2022-01-20</b></li>]]></record>
        </recordset></datastore>"""

# gkmlpt API answer (fields as the 肇庆 report quotes them); the publication day is first_publish_time.
GKMLPT_API = {
    "classify": {"id": 21023, "name": "政府信息公开年报", "parent": 21022, "post_count": 203, "theme_count": 203},
    "articles": [
        {
            "id": 3255421,
            "title": "肇庆市生态环境局2025年政府信息公开工作年度报告",
            "date": 1768147200,
            "first_publish_time": 1768838400,
            "publisher": "肇庆市生态环境局",
            "url": "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/content/3/3255/post_3255421.html",
            "identifier": "11441200MB2C91453G/2026-00271",
        }
    ],
    "total": 203,
    "offset": 0,
}

GKMLPT_INDEX = """<html><head><title>政府信息公开</title></head><body><div id="app"></div>
<script>window._CONFIG = {SID: '758019', APP_URL: '/zqhjj', TREE: [{"id": 21022, "name": "法定主动公开内容", "children":
[{"id": 21023, "name": "政府信息公开年报", "children": [], "post_count": 9}]}], SERVICE_AREA_ID: 0};</script>
<script src="/gkmlpt/gkml/pc/js/chunk-common.c1553651.js"></script></body></html>"""

# 克拉玛依 UCAP article as a public crawler's test builds it (UCAPTITLE / UCAPCONTENT, TRS-style meta names).
UCAP_ARTICLE = """<html><head><meta name="ArticleTitle" content="克拉玛依市发展和改革委员会2025年政府信息公开工作年度报告"/>
<meta name="ContentSource" content="市发展和改革委员会"/>
<meta name="PubDate" content="2026-01-26 17:18"></head><body>
<div class="header"><a href="/">首页</a> <a href="/klmys/c100186/list.shtml">价格信息</a></div>
<div class="article-content"><UCAPTITLE>克拉玛依市发展和改革委员会2025年政府信息公开工作年度报告</UCAPTITLE>
<UCAPCONTENT><p>一、总体情况</p><p>2025年，市发展和改革委员会认真贯彻落实《中华人民共和国政府信息公开条例》。</p>
<p>二、主动公开政府信息情况</p></UCAPCONTENT></div>
<div class="footer">主办：克拉玛依市人民政府办公室 网站标识码6502000001</div></body></html>"""


def context(text: str, url: str, column: str | None = None, form: tuple[tuple[str, str], ...] = ()) -> ListContext:
    return ListContext(text, url, column or url, {}, "Asia/Shanghai", form)


def test_every_preset_is_a_config_value_and_back() -> None:
    assert preset_names() == PRESET_NAMES
    for preset in PRESETS.values():
        assert set(preset.selectors) <= set(SELECTOR_NAMES), preset.name


def test_an_unknown_preset_is_refused_by_the_configuration() -> None:
    data = {
        "county": {"name": "演示县"},
        "portals": [
            {"id": "p", "name": "门户", "start_urls": ["http://127.0.0.1/x/"], "contact": "a@b.c", "preset": "wordpress"}
        ],
    }
    with pytest.raises(ConfigError, match=r"portals\[0\]\.preset.*wordpress"):
        parse_config(data)


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        (HANWEB_COLUMN, "https://www.jiangsu.gov.cn/col/col33718/index.html", "hanweb"),
        (GKMLPT_INDEX, "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/index", "gkmlpt"),
        (UCAP_ARTICLE, "https://www.klmy.gov.cn/klmys/c100186/202601/0c1d.shtml", "ucap"),
        (
            '<ul><li><a href="./202601/t20260120_1001.html">x</a><span>2026-01-20</span></li></ul>'
            '<script>createPageHTML(3, 0, "index", "html");</script>',
            "http://www.demo.gov.cn/zwgk/zfxxgknb/",
            "trs",
        ),
        ("<ul><li><a href='/a.html'>2025年政府信息公开工作年度报告</a></li></ul>", "http://x.gov.cn/nb/", "generic"),
    ],
)
def test_detection(text: str, url: str, expected: str) -> None:
    assert detect(text, url).name == expected


def test_hanweb_column_asks_the_rest_by_post_with_the_jpage_form() -> None:
    page = PRESETS["hanweb"].read(context(HANWEB_COLUMN, "https://www.jiangsu.gov.cn/col/col33718/index.html"))
    assert [e.date_text for e in page.entries] == ["2026-01-20", "2025-01-15"]
    assert not any("dataproxy" in p for p in page.pages)  # the <nextgroup> link is not fetched with GET
    first = page.requests[0]
    assert first.method == "POST"
    assert first.url == "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=47&perpage=15"
    form = dict(first.form)
    assert form["columnid"] == "33718" and form["unitid"] == "212860" and form["webname"] == "江苏省人民政府"
    assert form["col"] == "1" and form["permissiontype"] == "0"
    assert [r.url.split("?")[1] for r in page.requests[1:]] == [
        "startrecord=48&endrecord=92&perpage=15",
        "startrecord=93&endrecord=100&perpage=15",
    ]


def test_hanweb_form_from_the_nextgroup_link_when_the_page_has_no_ajax_param() -> None:
    text = HANWEB_COLUMN.split("<script>$(function", maxsplit=1)[0]
    page = PRESETS["hanweb"].read(context(text, "https://www.jiangsu.gov.cn/col/col33718/index.html"))
    assert len(page.requests) == 1  # no total: one group at a time
    form = dict(page.requests[0].form)
    assert form["columnid"] == "33718" and form["sourceContentType"] == "1" and "page" not in form


def test_hanweb_proxy_answer_reads_its_records_and_asks_no_more_at_the_end() -> None:
    form = (("col", "1"), ("columnid", "12377"), ("unitid", "38486"))
    url = "http://www.dingxi.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15"
    page = PRESETS["hanweb"].read(context(HANWEB_PROXY, url, "http://www.dingxi.gov.cn/col/col12377/index.html", form))
    assert [(e.title, e.date_text) for e in page.entries] == [("定西市2021年政府信息公开工作年度报告", "2022-01-20")]
    assert page.requests == ()


def test_hanweb_proxy_answer_without_total_asks_the_next_group_when_full() -> None:
    records = "".join(
        f"<record><![CDATA[<li><a href='/art/2022/1/{i}/art_1_{i}.html'>x{i}</a><b>2022-01-20</b></li>]]></record>"
        for i in range(1, 4)
    )
    form = (("columnid", "1"),)
    url = "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=1"
    page = PRESETS["hanweb"].read(context(f"<datastore><recordset>{records}</recordset></datastore>", url, form=form))
    assert page.requests == (
        PageRequest("http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=9&perpage=1", "POST", form),
    )


def test_gkmlpt_index_leads_to_the_api_of_the_configured_column() -> None:
    index = "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/index"
    page = PRESETS["gkmlpt"].read(context(GKMLPT_INDEX, index, index + "#21023"))
    assert page.entries == ()
    assert page.requests == (PageRequest("https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/api/all/21023?page=1&sid=758019"),)
    # Without a fragment the 年报 column is found in the TREE by its name.
    assert PRESETS["gkmlpt"].read(context(GKMLPT_INDEX, index)).requests == page.requests


def test_gkmlpt_api_answer_gives_entries_dated_by_first_publication_and_the_other_pages() -> None:
    url = api_url("https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/index", "21023", "758019")
    page = PRESETS["gkmlpt"].read(context(json.dumps(GKMLPT_API, ensure_ascii=False), url))
    (entry,) = page.entries
    assert entry.title == "肇庆市生态环境局2025年政府信息公开工作年度报告"
    assert entry.date_text == "2026-01-20"  # first_publish_time in Asia/Shanghai, not the 成文日期 in "date"
    assert [r.url for r in page.requests] == [
        "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/api/all/21023?page=2&sid=758019",
        "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/api/all/21023?page=3&sid=758019",
    ]
    # A later page asks for no more (the first page announced them all).
    later = PRESETS["gkmlpt"].read(context(json.dumps(GKMLPT_API), url.replace("page=1", "page=2")))
    assert later.requests == ()


def test_ucap_body_is_the_ucapcontent_element() -> None:
    document = extract_html(UCAP_ARTICLE.encode())
    text = "".join(block.text for block in document.blocks)
    assert "认真贯彻落实" in text
    assert "网站标识码" not in text and "价格信息" not in text


def test_trs_portal_pager_variant_with_a_container_first() -> None:
    text = "<ul><li><a href='./202601/t20260120_1.shtml'>x</a></li></ul><script>createPageHTML('page_div',3, 1,'xlist','shtml',40);</script>"
    page = read_list(text, "http://www.shaoyang.gov.cn/xxgk/ndbg/xlist.shtml")
    assert set(page.pages) == {
        "http://www.shaoyang.gov.cn/xxgk/ndbg/xlist_2.shtml",
        "http://www.shaoyang.gov.cn/xxgk/ndbg/xlist_3.shtml",
    }


def test_list_date_in_a_sibling_element_of_a_link_in_a_shared_container() -> None:
    text = (
        '<div class="list"><a href="./202601/t20260120_1001.html">次营镇2025年政府信息公开工作年度报告</a>'
        "<span>2026-01-20</span><br/>"
        '<a href="./202601/t20260118_1000.html">大峪镇2025年政府信息公开工作年度报告</a><span>2026/01/18</span><br/></div>'
    )
    page = read_list(text, "http://www.demo.gov.cn/zwgk/zfxxgknb/")
    assert [e.date_text for e in page.entries] == ["2026-01-20", "2026/01/18"]
