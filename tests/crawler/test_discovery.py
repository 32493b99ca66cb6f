"""Unit tests of the crawler's reading of titles, dates, list pages, attachments, bodies and failures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crawler import dates
from crawler.attribution import Attribution, BodyMatcher, body_names, page_publisher
from crawler.failures import BACKOFF_MAX, UNREACHABLE_AFTER, backoff, gone, judge, not_sent, not_taken
from crawler.job import CrawlJob
from crawler.links import attachment_links, file_extension, is_list_url, looks_not_found, read_list
from crawler.middlewares import host_allowed
from crawler.settings import crawl_settings, soft_time_limit, user_agent
from crawler.spiders.portal import canonical, has_report_token
from crawler.titles import is_report_title, list_entry, report_year
from documents.html import extract_html
from monitor.config import Body, parse_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"


@pytest.mark.parametrize(
    ("title", "in_column", "expected"),
    [
        ("次营镇人民政府2025年政府信息公开工作年度报告", False, True),
        ("焦虎镇 2025 年政府信息公开工作年度报告", False, True),
        ("演示县审计局2025年度政府信息公开年报", False, True),
        ("2025年信息公开年度报告", False, True),
        ("西坪镇2025年政务公开工作年度报告", False, True),
        ("七里营镇2025年公开年报（图片版）", False, True),
        ("2025年年度报告", True, True),
        ("2025年年度报告", False, False),
        ("次营镇人民政府2025年政府信息…", True, True),
        ("次营镇人民政府2025年政府信息...", False, False),
        ("次营镇人民政府2025年工作总结…", True, False),
        ("关于做好2025年度政府信息公开工作年度报告编制发布工作的通知", True, False),
        ("图解：次营镇2025年政府信息公开工作年度报告", True, False),
        ("2025年政府信息公开工作年度报告解读", True, False),
        ("政府信息公开工作年度报告", True, False),
        ("2025年政府工作报告", True, False),
        ("2025年政府网站工作年度报表", True, False),
    ],
)
def test_report_titles(title: str, in_column: bool, expected: bool) -> None:
    assert is_report_title(title, in_column=in_column) is expected


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("次营镇人民政府2025年政府信息公开工作年度报告", 2025),
        ("2026年1月发布：2025年度政府信息公开工作年度报告", 2025),
        ("政府信息公开工作年度报告（2024）", 2024),
        ("政府信息公开工作年度报告", None),
        (None, None),
    ],
)
def test_report_year(title: str | None, year: int | None) -> None:
    assert report_year(title) == year


def test_list_entry_ignores_spacing_and_sees_date_changes() -> None:
    assert list_entry("次营镇 2025 年年度报告", "2026-01-20") == list_entry("次营镇2025年年度报告", "2026-01-20")
    assert list_entry("次营镇2025年年度报告", "2026-01-20") != list_entry("次营镇2025年年度报告", "2026-01-21")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-20 10:00", date(2026, 1, 20)),
        ("2026-01-20 10:00:00", date(2026, 1, 20)),
        ("2026/01/20 10:00", date(2026, 1, 20)),
        ("2026-1-20", date(2026, 1, 20)),
        ("2026年1月20日", date(2026, 1, 20)),
        ("20260120", date(2026, 1, 20)),
        ("2026-02-30", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x/zwgk/zfxxgknb/202601/t20260117_123.html", date(2026, 1, 17)),
        ("http://x/art/2026/1/17/art_1003_2001.html", date(2026, 1, 17)),
        ("http://x/news/2026-01-17/12.html", date(2026, 1, 17)),
        ("http://x/zwgk/202601/report.html", date(2026, 1, 1)),
        ("http://x/zwgk/content_1003.html", None),
        ("http://x/zwgk/W020260119_1003.pdf", date(2026, 1, 19)),
        ("http://x/zwgk/202601/W020260119384756291847.pdf", date(2026, 1, 19)),
        ("http://x/zwgk/202601/W020260119384756291847.pdf?name=a.pdf", date(2026, 1, 19)),
        ("http://x/fzlm/top_falsh/201901/W020190119606990532110.swf", date(2019, 1, 19)),  # a real TRS upload name
        ("http://x/zwgk/202601/W020261319384756291847.pdf", date(2026, 1, 1)),  # no 13th month: the folder's month
        ("http://x/zwgk/W020261319384756291847.pdf", None),
        ("http://x/zwgk/W0202601.pdf", None),  # too short for a day
        ("http://x/W020260119123/report.pdf", None),  # a folder, not the file's name
        ("http://x/zwgk/P020260123384756291847.docx", None),  # only W0 names are dated
    ],
)
def test_url_date(url: str, expected: date | None) -> None:
    assert dates.url_date(url) == expected


def test_publication_date_order() -> None:
    seen = date(2026, 3, 1)
    listed = date(2026, 1, 18)
    url = "http://x/202601/t20260117_1.html"
    both = {"pubdate": "2026-01-20 10:00", "published_text": "2026-01-19"}
    assert dates.publication_date(both, url, seen, listed) == (date(2026, 1, 20), "PubDate")
    assert dates.publication_date({"published_text": "2026-01-19"}, url, seen, listed) == (date(2026, 1, 19), "visible")
    assert dates.publication_date({}, url, seen, listed) == (listed, "list")
    assert dates.publication_date({}, url, seen) == (date(2026, 1, 17), "url")
    assert dates.publication_date({}, "http://x/a.html", seen) == (seen, "first_seen")
    assert dates.SOURCES == ("PubDate", "visible", "list", "url", "first_seen")


def test_attachments_inherit_their_pages_date_unless_it_is_only_the_day_first_seen() -> None:
    upload = "http://x/202601/W020260119384756291847.pdf"
    assert dates.inherited_date((date(2026, 1, 20), "list"), upload) == (date(2026, 1, 20), "list")
    assert dates.inherited_date((date(2026, 3, 1), "first_seen"), upload) == (date(2026, 1, 19), "url")
    assert dates.inherited_date((date(2026, 3, 1), "first_seen"), "http://x/a.pdf") == (date(2026, 3, 1), "first_seen")


@pytest.mark.parametrize("name", ["000_trs.html", "001_hanweb.html"])
def test_publication_date_of_the_portal_fixtures(name: str) -> None:
    meta = extract_html((FIXTURES / name).read_bytes()).meta
    assert dates.publication_date(meta, "http://x/a.html", date(2026, 3, 1)) == (date(2026, 1, 20), "PubDate")
    without_meta = {k: v for k, v in meta.items() if k != "pubdate"}
    assert dates.publication_date(without_meta, "http://x/a.html", date(2026, 3, 1)) == (date(2026, 1, 20), "visible")


def test_the_notice_fixture_is_not_a_report() -> None:
    meta = extract_html((FIXTURES / "not_a_report.html").read_bytes()).meta
    assert not is_report_title(meta["articletitle"], in_column=True)


BODIES = (
    Body("ciying", "次营镇人民政府", "town", "p", ("次营镇",)),
    Body("qiliying", "七里营镇人民政府", "town", "p"),
    Body("shenji", "演示县审计局", "department", "p"),
    Body("county", "演示县人民政府", "county", "p"),
)


@pytest.mark.parametrize(
    ("text", "body_id"),
    [
        ("次营镇人民政府2025年政府信息公开工作年度报告", "ciying"),
        ("新乡县七里营镇 2025 年政府信息公开工作年度报告", "qiliying"),
        ("演示县审计局2025年政府信息公开工作年度报告", "shenji"),
        ("演示县2025年政府信息公开工作年度报告", "county"),
        ("某镇2025年政府信息公开工作年度报告", None),
    ],
)
def test_body_by_title(text: str, body_id: str | None) -> None:
    assert BodyMatcher(BODIES).in_text(text) == body_id


def test_attribution_order_title_page_column() -> None:
    matcher = BodyMatcher(BODIES)
    assert matcher.attribute("次营镇2025年年度报告", "演示县审计局", "shenji") == Attribution("ciying", "title")
    assert matcher.attribute("2025年年度报告", "演示县审计局", "ciying") == Attribution("shenji", "page")
    assert matcher.attribute("2025年年度报告", None, "ciying") == Attribution("ciying", "column")
    assert matcher.attribute("2025年年度报告", None, None) == Attribution(None, None)
    assert page_publisher({}, "索引号：1 发布机构： 次营镇人民政府 成文日期：2026-01-16") == "次营镇人民政府"


TRS_LIST = """<html><body><ul class="list">
<li><a href="./ciying/202601/t20260120_1001.html" title="次营镇人民政府2025年政府信息公开工作年度报告">次营镇人民政府2025年政府信息…</a>
<span>2026-01-20</span></li>
<li><a href="javascript:void(0)">打印</a></li>
</ul><div class="page"><script>var currentPage = 0; var countPage = 3;
createPageHTML(countPage, currentPage, "index", "html");</script></div></body></html>"""


def test_trs_list_entries_and_pages() -> None:
    page = read_list(TRS_LIST, "http://x/zwgk/zfxxgknb/")
    assert [(e.url, e.title, e.date_text) for e in page.entries] == [
        ("http://x/zwgk/zfxxgknb/ciying/202601/t20260120_1001.html", "次营镇人民政府2025年政府信息公开工作年度报告", "2026-01-20")
    ]
    assert page.pages == (
        "http://x/zwgk/zfxxgknb/index.html",
        "http://x/zwgk/zfxxgknb/index_1.html",
        "http://x/zwgk/zfxxgknb/index_2.html",
    )


def test_a_date_is_an_entrys_only_when_its_container_holds_that_entry_alone() -> None:
    """Links and dates run together in one block: a date is a link's when it follows the link and no date comes
    before the block's first link; dates before their links give no date rather than a neighbour's."""
    html = """<div class="list"><a href="/a.html">次营镇2025年年度报告</a> 2026-01-19
    <a href="/b.html">大峪镇2025年年度报告</a> 2026-01-23</div>
    <div class="list"><span>2026-01-17</span><a href="/d.html">焦虎镇2025年年度报告</a><br/>
    <span>2026-01-18</span><a href="/e.html">七里营镇2025年年度报告</a></div>
    <table><tr><td><a href="./c.html">西坪镇2025年年度报告</a></td><td><a href="c.html">下载</a></td><td>2026-01-20</td></tr></table>"""
    dated = {e.url.rsplit("/", 1)[1]: e.date_text for e in read_list(html, "http://x/l/").entries}
    assert dated == {"a.html": "2026-01-19", "b.html": "2026-01-23", "c.html": "2026-01-20", "d.html": "", "e.html": ""}


def test_pages_from_next_and_last_links() -> None:
    html = """<a href="index_1.html">下一页</a> <a href="index_4.html">尾页</a>
    <a href="list.jsp?page=2&col=3">2</a> <a href="/other/index_2.html">2</a>"""
    pages = read_list(html, "http://x/col/index.html").pages
    assert pages[:4] == tuple(f"http://x/col/index_{i}.html" for i in range(1, 5))
    assert "http://x/other/index_2.html" not in pages
    query = read_list('<a href="list.jsp?col=3&page=3">尾页</a>', "http://x/col/list.jsp?col=3&page=1").pages
    assert query == ("http://x/col/list.jsp?col=3&page=2", "http://x/col/list.jsp?col=3&page=3")


def test_hanweb_records_and_next_group() -> None:
    html = """<div id="4418"><script type="text/xml"><datastore>
    <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=2&columnid=1003"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="/art/2026/1/20/art_1003_1.html" title="次营镇2025年政府信息公开工作年度报告">次营镇…</a>
    <span>2026-01-20</span></li>]]></record></recordset></datastore></script></div>"""
    page = read_list(html, "http://x/col/col1003/index.html")
    assert [(e.url, e.title, e.date_text) for e in page.entries] == [
        ("http://x/art/2026/1/20/art_1003_1.html", "次营镇2025年政府信息公开工作年度报告", "2026-01-20")
    ]
    assert page.pages == ("http://x/module/web/jpage/dataproxy.jsp?page=2&columnid=1003",)
    proxy = "<?xml version='1.0'?><datastore><recordset><record><![CDATA[<li><a href='/a.html' title='T'>T</a></li>]]></record></recordset></datastore>"
    assert [e.url for e in read_list(proxy, "http://x/module/web/jpage/dataproxy.jsp?page=2").entries] == ["http://x/a.html"]


def test_configured_selectors() -> None:
    html = '<div class="rows"><div class="row"><a href="/a.html">查看</a><em>次营镇2025年政府信息公开工作年度报告</em><i>2026-01-20</i></div></div>'
    selectors = {"list_item": "div.row", "list_title": "em::text", "list_date": "i", "next_page": "a.more::attr(href)"}
    page = read_list(html + '<a class="more" href="/p2.html">更多</a>', "http://x/", selectors)
    assert [(e.url, e.title, e.date_text) for e in page.entries] == [
        ("http://x/a.html", "次营镇2025年政府信息公开工作年度报告", "2026-01-20")
    ]
    assert page.pages == ("http://x/p2.html",)


def test_attachments() -> None:
    html = """<div class="TRS_Editor"><p>详见附件。</p></div>
    <div class="fujian"><a href="./P0202601.pdf">报告.pdf</a> <a href="/module/download/downfile.jsp?classid=0&filename=26012310.docx">报告</a>
    <a href="report.wps">wps</a></div>
    <div class="footer"><a href="/about/guide.pdf">网站年度报表.pdf</a></div>"""
    found = [e.url for e in attachment_links(html, "http://x/zwgk/a.html")]
    assert found == [
        "http://x/zwgk/P0202601.pdf",
        "http://x/module/download/downfile.jsp?classid=0&filename=26012310.docx",
        "http://x/zwgk/report.wps",
    ]
    images = '<div id="zoom"><img src="p1.jpg"/><img src="/images/logo.png"/></div>'
    assert [e.url for e in attachment_links(images, "http://x/a.html")] == ["http://x/p1.jpg"]
    long_text = '<div id="zoom"><p>' + "正文" * 200 + '</p><img src="chart.png"/></div>'
    assert attachment_links(long_text, "http://x/a.html") == []


def test_small_url_helpers() -> None:
    assert file_extension("http://x/a/B.PDF") == ".pdf"
    assert file_extension("http://x/downfile.jsp?filename=a.docx") == ".docx"
    assert (
        is_list_url("http://x/zwgk/zfxxgknb/")
        and is_list_url("http://x/col/index_2.html")
        and is_list_url("http://x/l.jsp?page=2")
    )
    assert not is_list_url("http://x/zwgk/202601/t20260120_1.html")
    assert has_report_token("http://x/zwgk/zfxxgknb/a.html") and has_report_token("http://x/gknb2025/")
    assert not has_report_token("http://x/zwgk/nbsp/a.html")
    assert canonical("http://x/a/index.html#top") == canonical("http://x/a/") == "http://x/a/"
    assert looks_not_found("<title>404 页面不存在</title>") and not looks_not_found("<title>政府信息公开年报</title>")


def test_hosts() -> None:
    assert host_allowed("www.yczf.gov.cn", ["yczf.gov.cn"]) and host_allowed("127.0.0.1", ["127.0.0.1"])
    assert not host_allowed("evil-yczf.gov.cn", ["yczf.gov.cn"]) and not host_allowed("localhost", ["127.0.0.1"])
    assert not host_allowed(None, ["127.0.0.1"])


def test_failure_reasons() -> None:
    assert not_taken("too large: larger than the 5-byte limit") and not not_taken("HTTP 404")
    assert gone("HTTP 404") and gone("HTTP 410") and not gone("HTTP 500") and not gone("redirect loop (too many redirects)")
    assert not_sent("forbidden by robots.txt") and not_sent("outside the configured domains: http://x/")
    assert not not_sent("timed out after 30s") and not not_sent("HTTP 403")


def test_back_off_doubles_from_one_day_up_to_thirty() -> None:
    assert [backoff(n).days for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff(10**6) == BACKOFF_MAX


def test_a_failed_fetch_is_judged_by_its_reason_and_the_failures_before() -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    assert judge("HTTP 404", 0, now) == judge("HTTP 404", 0, now)
    first = judge("HTTP 404", 0, now)
    assert (first.failures, first.unreachable, first.retry_after) == (1, True, now + timedelta(days=1))
    transient = [judge("HTTP 500", n, now) for n in range(UNREACHABLE_AFTER)]
    assert [(j.failures, j.unreachable) for j in transient] == [(1, False), (2, False), (3, True)]
    assert transient[-1].retry_after == now + timedelta(days=4)


CONFIG = {
    "county": {"name": "某县"},
    "portals": [{"id": "p", "name": "门户", "start_urls": ["http://www.example.gov.cn/zfxxgknb/"], "contact": "a@b.c"}],
    "bodies": [{"id": "ciying", "name": "次营镇人民政府", "type": "town", "portal": "p", "aliases": ["次营镇"]}],
}


def test_default_settings_stay_polite() -> None:
    config = parse_config(CONFIG)
    job = CrawlJob(1, config.portals[0], config.bodies, "Asia/Shanghai", "sqlite://", "/tmp/b", "/tmp/c", 100.0)
    assert CrawlJob.from_json(job.to_json()) == job
    settings = crawl_settings(job)
    assert settings["ROBOTSTXT_OBEY"] and settings["AUTOTHROTTLE_ENABLED"]
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2 and settings["DOWNLOAD_DELAY"] == 1.0
    assert settings["DOWNLOAD_MAXSIZE"] == 20 * 1024 * 1024 and settings["DOWNLOAD_TIMEOUT"] == 30
    assert settings["HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS"] == ["no-cache"]
    assert settings["USER_AGENT"] == user_agent("a@b.c") and "nianbao" in settings["USER_AGENT"]
    assert not settings["TELNETCONSOLE_ENABLED"] and not settings["REMOTE_CONTROL_ENABLED"]
    assert soft_time_limit(900) == 870 and soft_time_limit(4) == 2 and soft_time_limit(1) == 1


def test_a_redirected_document_keeps_its_listed_address() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.spiders.portal import listed_url

    request = Request("https://x/b.html", meta={"redirect_urls": ["http://x/a.html"]})
    assert listed_url(HtmlResponse("https://x/b.html", request=request, body=b"")) == "http://x/a.html"
    assert listed_url(HtmlResponse("https://x/b.html", request=Request("https://x/b.html"), body=b"")) == "https://x/b.html"


def test_report_links_by_title_and_by_url_token(tmp_path: Path) -> None:
    from crawler.health import CrawlHealth
    from crawler.links import Entry
    from crawler.spiders.portal import PortalSpider
    from monitor.store import Store

    config = parse_config(CONFIG)
    job = CrawlJob(1, config.portals[0], config.bodies, "Asia/Shanghai", "sqlite://", "/tmp/b", "/tmp/c", 100.0)
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "blobs")
    try:
        spider = PortalSpider(job, store, CrawlHealth())
        site = "http://www.example.gov.cn"
        assert spider._is_report_link(Entry(f"{site}/a/t20260120_1.html", "次营镇2025年政府信息公开工作年度报告"))
        assert spider._is_report_link(Entry(f"{site}/zfxxgknb/2025/t20260120_1.html", "2025年"))
        assert not spider._is_report_link(Entry(f"{site}/zfxxgknb/2025/", "2025年"))
        assert not spider._is_report_link(Entry(f"{site}/zfxxgknb/t20260106_1.html", "关于2025年工作的通知"))
        assert not spider._is_report_link(Entry(f"{site}/a/t20260106_1.html", "2025年"))
        assert [c.url for c in spider.columns()] == ["http://www.example.gov.cn/zfxxgknb/"]
    finally:
        store.close()


OFFICIAL = (
    Body("county", "演示经济开发区管委会", "county", "p"),
    Body("weijian", "演示县卫生健康委员会", "department", "p"),
    Body("office", "演示县人民政府办公室", "department", "p"),
    Body("xian", "演示县人民政府", "county", "p"),
    Body("yibao", "演示县医疗保障管理局", "department", "p"),
    Body("chengguan", "城关街道办事处", "town", "p"),
)


@pytest.mark.parametrize(
    ("text", "body_id"),
    [
        ("演示经济开发区2025年政府信息公开工作年度报告", "county"),
        ("演示经济开发区管理委员会2025年政府信息公开工作年度报告", "county"),
        ("演示县卫生健康委2025年度政府信息公开工作报告", "weijian"),
        ("演示县医疗保障局2025年政府信息公开工作年度报告", "yibao"),
        ("城关街道2025年政府信息公开工作年度报告", "chengguan"),
        ("演示县政府办2025年政府信息公开工作年度报告", "office"),
        ("演示县人民政府办公室2025年政府信息公开工作年度报告", "office"),
        ("演示县2025年政府信息公开工作年度报告", "xian"),
        ("演示县政府2025年政府信息公开工作年度报告", "xian"),
        # A bare place name is not a body when another word follows: an unregistered department of the county.
        ("演示县审计局2025年政府信息公开工作年度报告", None),
        ("演示经济开发区建设局2025年年度报告", None),
    ],
)
def test_official_names_match_the_short_names_titles_use(text: str, body_id: str | None) -> None:
    assert BodyMatcher(OFFICIAL).in_text(text) == body_id


def test_a_short_name_two_bodies_share_names_neither() -> None:
    bodies = (Body("a", "演示县人民政府办公室", "department", "p"), Body("b", "演示县人民政府", "county", "p"))
    names = {n.text: n.body_id for n in body_names(bodies)}
    assert names["演示县人民政府"] == "b"  # the county's own name, not the office's short name
    assert names["演示县政府办"] == "a"
