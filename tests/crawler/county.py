"""Helpers of the crawler tests that serve a county's own 年报 column on the demo portal's server (127.0.0.1): a
configuration naming only that column, TRS article pages, and a list page in the markup of a real TRS column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.markup import body_html, read_seed
from crawler.demo_portal.pages import trs_article
from crawler.demo_portal.site import seed_text
from monitor.config import Config, parse_config


def loopback_portal(
    portal: DemoPortal, column: str, portal_id: str = "demo", name: str = "演示县人民政府门户网站"
) -> dict[str, Any]:
    """The configuration of a portal whose 年报 column is ``column`` on ``portal``'s server (127.0.0.1 only, no
    delay, short timeouts)."""
    return {
        "id": portal_id,
        "name": name,
        "start_urls": [portal.url(column)],
        "allowed_domains": ["127.0.0.1"],
        "contact": "nianbao-test@example.invalid",
        "download_delay": 0,
        "timeout": "5s",
        "time_limit": "2m",
    }


def county_config(portal: DemoPortal, column: str, bodies: Sequence[dict[str, Any]]) -> Config:
    """A configuration whose portal ``demo`` is the 年报 column at ``column`` on ``portal``'s server."""
    data = {
        "county": {"name": "演示县", "timezone": "Asia/Shanghai"},
        "portals": [loopback_portal(portal, column)],
        "bodies": [{"portal": "demo", "type": "town", **body} for body in bodies],
    }
    return parse_config(data, "test configuration")


def article(
    title: str,
    *,
    source: str,
    pubdate: str | None = None,
    visible: str | None = None,
    attachments: Sequence[tuple[str, str]] = (),
    seed: str = "000",
) -> bytes:
    """A TRS article page carrying a bundled seed report under ``title`` (PubDate meta and 发布时间 only when
    given)."""
    report = body_html(read_seed(seed_text(seed)), "trs")
    page = trs_article(title, report, source=source, pubdate=pubdate, visible_date=visible, attachments=attachments)
    return page.encode("utf-8")


@dataclass(frozen=True)
class Row:
    """One row of a TRS list: the link as written on the page, its title, the date shown beside it ("" none)."""

    href: str
    title: str
    date: str


def gl_list_column(rows: Sequence[Row]) -> bytes:
    """A 年报 column page in the markup of a real TRS column page: the 信息公开年报 column of 鄂尔多斯恩格贝生态示范区
    (www.ordos.gov.cn, 2020; the page as saved in the node-html-parser repository, taoqf/node-html-parser,
    test/69.js). Its list is a ``table.gl_list`` with one row per entry: an icon cell, a cell holding the link
    (no title attribute), and a cell holding the date alone; the pager is TRS's ``countPage`` script followed by
    its static rendering; a side menu links the sibling columns. Its site header, search form and footer are left
    out; the rows are the test's."""
    cells = "\n".join(
        f"""\t\t\t  <tr valign="top" style="padding-bottom:10px;">
\t\t\t\t<td width="25" style="padding-top:10px;"><img src="../../images/ico2.jpg"></td>
\t\t\t\t<td width="550">
\t\t\t\t\t<a href="{escape(row.href)}">{escape(row.title)}</a>
\t\t\t\t</td>
\t\t\t\t<td>
\t\t\t\t\t{escape(row.date)}
\t\t\t\t</td>
\t\t\t  </tr>"""
        for row in rows
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>演示县人民政府</title>
<link href="../../images/gl.css" type="text/css" rel="stylesheet">
</head>
<body>
<table width="1006" border="0" height="875" cellspacing="0" cellpadding="0" class="mag1" align="center">
  <tbody><tr>
    <td align="center" bgcolor="#e1f1ff" width="253" valign="top">
\t\t<table width="155" border="0" cellspacing="0" cellpadding="0" class="gl_left">
\t\t    <tbody><tr>
\t\t\t<td width="19"><img src="../../images/gl_ico.jpg"></td>
\t\t\t<td width="136"><a href="../xxgkzn/" target="_self">信息公开指南</a></td>
\t\t    </tr>
\t\t\t <tr>
\t\t\t\t<td width="19"><img src="../../images/gl_ico.jpg"></td>
\t\t\t\t<td width="136"><a href="./" target="_self">信息公开年报</a></td>
\t\t\t </tr>
\t\t</tbody></table>
\t</td>
    <td bgcolor="#FFFFFF" valign="top">
     <table width="752" height="761" border="0" cellpadding="0" cellspacing="0" class="bor">
\t  <tbody><tr>
\t\t<td class="pos" height="27">您现在的位置是：
\t\t\t<a href="../../" title="首页" class="CurrChnlCls">首页</a>&nbsp;&gt;&gt;&nbsp;<a href="../" title="信息公开" class="CurrChnlCls">信息公开</a>&nbsp;&gt;&gt;&nbsp;<a href="./" title="信息公开年报" class="CurrChnlCls">信息公开年报</a>
\t\t</td>
\t  </tr>
\t  <tr>
\t\t<td height="678" valign="top">
\t\t<table width="682" border="0" cellspacing="0" cellpadding="0" class="gl_list">
\t\t\t  <tbody>
{cells}
\t\t</tbody></table>
\t\t</td>
\t  </tr>
\t  <tr>
\t\t<td height="572" class="page">
<script language="JavaScript" type="text/javascript">
var currentPage = 0;//所在页从0开始
var countPage = 1//共多少页
document.write("共计"+"&nbsp;<font style='color:#FF8008'>"+"1"+"&nbsp;</font>"+"页");
</script>共计&nbsp;<font style="color:#FF8008">1&nbsp;</font>页&nbsp;<a href="index.html">首页</a>&nbsp;|&nbsp;上一页&nbsp;&nbsp;<font style="color:#FF8008">1</font>&nbsp;|&nbsp;下一页&nbsp;&nbsp;尾页&nbsp;
\t\t</td>
\t  </tr>
\t</tbody></table>
\t</td>
  </tr>
</tbody></table>
</body></html>
""".encode()
