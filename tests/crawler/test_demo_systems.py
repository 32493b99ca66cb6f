"""The per-system demo columns (crawler/demo_portal/systems.py): each system's column serves in that system's
markup and paging protocol, and :meth:`SystemSite.expected` lists exactly the reports its pages list. The pages
are read here with lxml, regular expressions and json — never with the crawler's own code."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from lxml import etree, html

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.system_portal import SystemPortal
from crawler.demo_portal.systems import SYSTEMS, SystemSite
from tests.crawler.conftest import assert_loopback

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


def _request(
    portal: SystemPortal | DemoPortal,
    route: str,
    *,
    method: str = "GET",
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", portal.server.port, timeout=10)
    try:
        body = urlencode(form).encode() if form is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        connection.request(method, route, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _find(pattern: str, text: str, flags: int = 0) -> str:
    found = re.search(pattern, text, flags)
    assert found is not None, pattern
    return found.group(1)


def _get(portal: SystemPortal | DemoPortal, route: str) -> bytes:
    status, _, data = _request(portal, route)
    assert status == 200, route
    return data


def _route(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _is_report(title: str) -> bool:
    return "年度报告" in title and "通知" not in title and "指南" not in title


@pytest.fixture(params=SYSTEMS)
def system(request: pytest.FixtureRequest) -> Iterator[SystemPortal]:
    with SystemPortal(request.param) as running:
        yield running


@pytest.fixture
def hanweb() -> Iterator[SystemPortal]:
    with SystemPortal("hanweb") as running:
        yield running


@pytest.fixture
def gkmlpt() -> Iterator[SystemPortal]:
    with SystemPortal("gkmlpt") as running:
        yield running


# ------------------------------------------------------------------------------------------------- lists as served


def _trs_listing(portal: SystemPortal) -> list[tuple[str, str, str]]:
    first = _get(portal, "/zwgk/zfxxgknb/").decode()
    count = _find(r'createPageHTML\((\d+), 0, "index", "html"\);', first)
    assert count == "3"
    out, sizes = [], []
    for page in range(int(count)):
        route = "/zwgk/zfxxgknb/" + ("index.html" if page == 0 else f"index_{page}.html")
        text = _get(portal, route).decode()
        assert f'createPageHTML({count}, {page}, "index", "html");' in text
        box = html.fromstring(text).cssselect("div.list")[0]
        links = box.findall("a")
        assert box.findall("li") == [] and len(links) > 1  # several links in one container, no element per entry
        sizes.append(len(links))
        for link in links:
            date = link.getnext()
            assert date is not None and date.tag == "span"
            out.append((_route(urljoin(portal.url(route), link.get("href"))), link.get("title"), date.text or ""))
    assert sizes == [10, 10, 7]
    return out


def _hanweb_listing(portal: SystemPortal) -> list[tuple[str, str, str]]:
    raw = _get(portal, "/col/col1229/index.html")
    text = raw.decode("gbk")
    assert "charset=gb2312" in text
    unit = _find(r'<div id="(\d+)"><script type="text/xml"><datastore>', text)
    call = _find(rf"\$\('#{unit}'\)\.jpage\(\{{(.*)\}}\);\}}\);", text)
    total = int(_find(r"totalRecord:(\d+)", call))
    per_page = int(_find(r"perPage:(\d+)", call))
    group = int(_find(r"groupSize:(\d+)", call)) * per_page
    proxy = _find(r"proxyUrl:'([^']+)'", call)
    params = _find(r"ajaxParam:\{([^}]*)\}", call)
    form = {k: v.strip("'") for k, v in (pair.split(":", 1) for pair in params.split(","))}
    assert form["columnid"] == "1229" and form["unitid"] == unit and proxy == "/module/web/jpage/dataproxy.jsp"
    records = RECORD.findall(text)
    assert len(records) == group < total
    start = len(records) + 1
    while start <= total:
        route = f"{proxy}?startrecord={start}&endrecord={start + group - 1}&perpage={per_page}"
        status, headers, body = _request(portal, route, method="POST", form=form)
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        answer = body.decode()
        assert f"<totalrecord>{total}</totalrecord>" in answer
        records += RECORD.findall(answer)
        start += group
    assert len(records) == total
    out = []
    for record in records:
        item = html.fragment_fromstring(record)
        link = item.find("a")
        out.append((link.get("href"), link.get("title"), item.find("span").text))
    return out


def _gkmlpt_listing(portal: SystemPortal) -> list[tuple[str, str, str]]:
    fragment = urlsplit(portal.column_url).fragment
    text = _get(portal, "/gkmlpt/index").decode()
    sid = _find(r"SID:\s*'(\d+)'", text)
    tree = json.loads(_find(r"TREE:\s*(\[.*?\])\s*,\s*SERVICE_AREA_ID", text, re.S))
    nodes, found = list(tree), None
    while nodes:
        node = nodes.pop(0)
        found = node if node["name"] == "政府信息公开年报" else found
        nodes += node["children"]
    assert found is not None and str(found["id"]) == fragment
    payload = json.loads(_get(portal, f"/gkmlpt/api/all/{fragment}?page=1&sid={sid}"))
    assert set(payload) == {"classify", "articles", "total", "offset"}
    assert payload["classify"]["id"] == found["id"] and payload["offset"] == 0
    assert payload["total"] == len(payload["articles"]) < 100
    beyond = json.loads(_get(portal, f"/gkmlpt/api/all/{fragment}?page=2&sid={sid}"))
    assert (beyond["articles"], beyond["total"], beyond["offset"]) == ([], payload["total"], 100)
    out = []
    for article in payload["articles"]:
        assert article["date"] < article["first_publish_time"]  # 成文日期 before publication
        day = datetime.fromtimestamp(article["first_publish_time"], UTC).astimezone(SHANGHAI).date().isoformat()
        assert article["url"].startswith(portal.base_url)
        out.append((_route(article["url"]), article["title"], day))
    return out


def _ucap_listing(portal: SystemPortal) -> list[tuple[str, str, str]]:
    page = html.fromstring(_get(portal, "/yanshi/c100231/index.shtml"))
    return [(li.find("a").get("href"), li.find("a").get("title"), li.find("span").text) for li in page.cssselect("ul.list li")]


def _generic_listing(portal: SystemPortal) -> list[tuple[str, str, str]]:
    out, route, seen = [], "/xxgk/ndbg/list.html", []
    while route not in seen:
        seen.append(route)
        page = html.fromstring(_get(portal, route))
        for row in page.cssselect("table.news-list tr"):
            link, cell = row.cssselect("td a")[0], row.cssselect("td.date")[0]
            out.append((link.get("href"), link.text, cell.text))
        following = [a.get("href") for a in page.cssselect("div.pagination a") if a.text == "下一页"]
        route = _route(urljoin(portal.url(route), following[0])) if following else route
    assert seen == ["/xxgk/ndbg/list.html", "/xxgk/ndbg/list.html?page=2"]
    return out


LISTINGS = {
    "trs": _trs_listing,
    "hanweb": _hanweb_listing,
    "gkmlpt": _gkmlpt_listing,
    "ucap": _ucap_listing,
    "generic": _generic_listing,
}


def test_each_system_serves_its_column_and_expected_lists_what_the_pages_list(system: SystemPortal) -> None:
    assert_loopback(system.config)
    assert system.config.portals[0].preset == system.system
    listing = LISTINGS[system.system](system)
    reports = [entry for entry in listing if _is_report(entry[1])]
    assert len(listing) > len(reports)  # the column lists a notice or a guide too
    assert len(reports) == (25 if system.system in ("trs", "hanweb") else len(reports)) and len(reports) >= 6
    expected = system.expected()
    pages = {e.route: e for e in expected if e.kind == "page"}
    assert sorted(pages) == sorted(route for route, _, _ in reports)
    for route, title, day in reports:
        assert pages[route].published_on == day, route
        assert str(pages[route].year) in title
    attachments = [e for e in expected if e.kind != "page"]
    assert attachments, "every system has a report with an attachment"
    for item in attachments:
        data = _get(system, item.route)
        assert data.startswith(b"%PDF-1.4" if item.kind == "pdf" else b"PK\x03\x04")
    for route in pages:
        _get(system, route)


# ------------------------------------------------------------------------------------------------- each system's facts


def test_trs_articles_date_by_pubdate_and_one_only_by_the_list() -> None:
    with SystemPortal("trs") as trs:
        listed = {route: day for route, _, day in _trs_listing(trs)}
        by_source: dict[str, list[str]] = {}
        for item in trs.expected():
            by_source.setdefault(item.published_from, []).append(item.route)
        assert len(by_source["list"]) == 1
        silent = _get(trs, by_source["list"][0]).decode()
        assert 'name="PubDate"' not in silent and "发布时间" not in silent
        assert listed[by_source["list"][0]] == next(e.published_on for e in trs.expected() if e.published_from == "list")
        page = html.fromstring(_get(trs, by_source["PubDate"][0]))
        assert (
            page.cssselect('meta[name="PubDate"]')[0]
            .get("content")
            .startswith(next(e.published_on for e in trs.expected() if e.route == by_source["PubDate"][0]) or "?")
        )
        attachment = next(e for e in trs.expected() if e.kind == "pdf")
        assert re.fullmatch(r"/zwgk/zfxxgknb/\d{6}/P0\d{20}\.pdf", attachment.route)
        holder = next(
            e
            for e in trs.expected()
            if e.kind == "page"
            and e.route.rsplit("/", 1)[0] in attachment.route
            and e.year == attachment.year
            and e.body_id == attachment.body_id
        )
        assert f'href="./{attachment.route.rsplit("/", 1)[1]}"' in _get(trs, holder.route).decode()


def test_hanweb_proxy_answers_the_post_only() -> None:
    with SystemPortal("hanweb") as hanweb:
        form = {"col": "1", "appid": "1", "webid": "3", "path": "/", "columnid": "1229", "unitid": "5732",
                "webname": "演示县人民政府", "permissiontype": "0"}  # fmt: skip
        route = "/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=5"
        status, _, body = _request(hanweb, route, method="POST", form=form)
        answer = body.decode()
        root = etree.fromstring(body)
        assert status == 200 and root.tag == "datastore"
        assert (root.findtext("totalrecord"), root.findtext("totalpage")) == ("27", "6")
        assert len(RECORD.findall(answer)) == 10
        first_page = RECORD.findall(_get(hanweb, "/col/col1229/index.html").decode("gbk"))
        assert not set(RECORD.findall(answer)) & set(first_page)
        last = _request(hanweb, route.replace("11", "21").replace("20", "30"), method="POST", form=form)[2]
        assert len(RECORD.findall(last.decode())) == 7
        empty = [
            _request(hanweb, route)[2],  # a GET
            _request(hanweb, route, method="POST", form={**form, "columnid": "1230"})[2],
            _request(hanweb, route, method="POST", form={**form, "unitid": "1"})[2],
            _request(hanweb, route, method="POST", form={k: v for k, v in form.items() if k != "unitid"})[2],
            _request(hanweb, "/module/web/jpage/dataproxy.jsp?page=1&columnid=1229&unitid=5732")[2],
        ]
        for data in empty:
            assert etree.fromstring(data).tag == "datastore" and RECORD.findall(data.decode()) == []
        posts = [entry for entry in hanweb.log if entry.method == "POST"]
        assert len(posts) == 5 and dict(posts[0].form) == form and posts[0].route == route
        assert all(entry.form == () for entry in hanweb.log if entry.method == "GET")


def test_hanweb_articles_are_gbk_with_the_real_meta_tags(hanweb: SystemPortal) -> None:
    item = next(e for e in hanweb.expected() if e.kind == "page")
    status, headers, body = _request(hanweb, item.route)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=GBK"
    text = body.decode("gbk")
    assert re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229_\d+\.html", item.route)
    for tag in ('<meta name="ArticleTitle"', f'<meta name="PubDate" content="{item.published_on} ', '<meta name="ContentSource"',
                '<meta name="ContentStart"/>', '<meta name="ContentEnd"/>', '<div id="zoom">'):  # fmt: skip
        assert tag in text
    attachment = next(e for e in hanweb.expected() if e.kind != "page")
    assert attachment.route.startswith("/module/download/downfile.jsp?classid=0&filename=")


def test_gkmlpt_api_checks_sid_and_column_and_the_pages_carry_the_table(gkmlpt: SystemPortal) -> None:
    page_one = json.loads(_get(gkmlpt, "/gkmlpt/api/all/2345?page=1&sid=755123"))
    assert json.loads(_get(gkmlpt, "/gkmlpt/api/all/2345?page=0&sid=755123")) == page_one
    for route in ("/gkmlpt/api/all/2345?page=1&sid=1", "/gkmlpt/api/all/2341?page=1&sid=755123"):
        assert json.loads(_get(gkmlpt, route))["articles"] == []
    assert _request(gkmlpt, "/gkmlpt/api/all/2345?page=1&sid=755123", method="POST", form={})[0] == 404
    near_midnight = [a for a in page_one["articles"] if datetime.fromtimestamp(a["first_publish_time"], UTC).hour >= 16]
    assert near_midnight  # a report published before 08:00 in the county: its UTC day is the day before
    for article in page_one["articles"]:
        assert re.fullmatch(r"/gkmlpt/content/\d/\d{4}/post_\d{7}\.html", urlsplit(article["url"]).path)
        page = html.fromstring(_get(gkmlpt, urlsplit(article["url"]).path))
        cells = [c.text_content() for c in page.cssselect("div.classify td")]
        day = datetime.fromtimestamp(article["first_publish_time"], UTC).astimezone(SHANGHAI).date().isoformat()
        written = datetime.fromtimestamp(article["date"], UTC).astimezone(SHANGHAI).date().isoformat()
        assert cells[cells.index("发布日期：") + 1] == day and cells[cells.index("成文日期：") + 1] == written
        assert {"索引号：", "分类：", "发布机构：", "名称：", "文号：", "主题词："} <= set(cells)
        assert page.cssselect("div.article-content")
        for attachment in article["attachment"]:
            links = page.cssselect("a.nfw-cms-attachment")
            assert [_route(urljoin(gkmlpt.base_url, a.get("href"))) for a in links] == [urlsplit(attachment["url"]).path]
            assert re.fullmatch(r"/attachment/0/\d+/\d+/\d+\.pdf", urlsplit(attachment["url"]).path)


def test_ucap_articles_carry_ucaptitle_and_ucapcontent() -> None:
    with SystemPortal("ucap") as ucap:
        item = next(e for e in ucap.expected() if e.kind == "page")
        text = _get(ucap, item.route).decode()
        assert re.search(r"<UCAPTITLE>[^<]+</UCAPTITLE>", text) and "<UCAPCONTENT>" in text and "</UCAPCONTENT>" in text
        assert re.search(rf'<meta name="PubDate" content="{item.published_on} \d\d:\d\d">', text)
        assert '<meta name="ArticleTitle"' in text and '<meta name="ContentSource"' in text
        assert re.fullmatch(r"/yanshi/c100231/\d{6}/[0-9a-f]{32}\.shtml", item.route)


# ------------------------------------------------------------------------------------------------- validators, hooks


def test_a_second_get_answers_304_for_files_and_computed_answers(gkmlpt: SystemPortal) -> None:
    for route in ("/gkmlpt/index", "/gkmlpt/api/all/2345?page=1&sid=755123", gkmlpt.expected()[0].route):
        status, headers, _ = _request(gkmlpt, route)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"]
        assert _request(gkmlpt, route, headers={"If-None-Match": headers["ETag"]})[0] == 304
        assert _request(gkmlpt, route, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert [entry.conditional for entry in gkmlpt.log].count(True) == 6


def test_adding_a_report_changes_the_lists_and_the_expectations(tmp_path: Path) -> None:
    site = SystemSite(tmp_path, "hanweb")
    site.build()
    column = site.resource("/col/col1229/index.html")
    assert column is not None
    before = column.path.read_bytes()
    route = site.add_report("caizheng", 2025, date="2026-02-20", attachment="pdf")
    assert route == "/art/2026/2/20/art_1229_6027.html"
    assert column.path.read_bytes() != before and "totalRecord:28" in column.path.read_text(encoding="gbk")
    assert [e.kind for e in site.expected() if e.route == route or (e.route.endswith(".pdf") and "260220" in e.route)] == [
        "page",
        "pdf",
    ]
    edited = site.edit_report("chengguan", 2025)
    assert edited == next(e.route for e in site.expected() if (e.body_id, e.year) == ("chengguan", 2025))


def test_the_site_is_deterministic(tmp_path: Path) -> None:
    for system in SYSTEMS:
        first, second = SystemSite(tmp_path / f"{system}-a", system), SystemSite(tmp_path / f"{system}-b", system)
        first.build()
        second.build()
        assert sorted(first.routes) == sorted(second.routes)
        for route, resource in first.routes.items():
            assert resource.path.read_bytes() == second.routes[route].path.read_bytes(), route


def test_the_main_demo_hanweb_style_pages_by_post() -> None:
    with DemoPortal("hanweb") as portal:
        text = _get(portal, "/col/col1003/index.html").decode("gbk")
        assert "proxyUrl:'/module/web/jpage/dataproxy.jsp'" in text and "ajaxParam:{col:1,appid:'1'" in text
        assert len(RECORD.findall(text)) == 5 and "totalRecord:6" in text
        form = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "1003", "unitid": "4418"}
        route = "/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
        records = RECORD.findall(_request(portal, route, method="POST", form=form)[2].decode())
        assert len(records) == 1 and "关于做好" in records[0]
        assert RECORD.findall(_request(portal, route)[2].decode()) == []
