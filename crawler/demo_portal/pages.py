"""Page templates of the demo county portal, in two portal systems' markup.

- TRS WCM: article pages with the standard meta tags (``SiteName`` … ``PubDate``, either optional), an info bar with
  发布时间, the report in ``<div class="TRS_Editor">``, attachments listed below it; column pages with a list of
  ``<li><a title>…</a><span>date</span></li>`` and TRS's pager script ``createPageHTML(countPage, currentPage,
  "index", "html")``, and the sub-columns of the 年报 column in a left menu.
- Hanweb (大汉 jcms): GBK pages declared ``charset=gb2312``, the ``ArticleTitle``/``PubDate``/``ContentSource`` meta
  tags, the 信息公开 attribute table, the report in ``<div id="zoom">`` between ``<meta name="ContentStart"/>`` and
  ``ContentEnd``; column pages keep their first group of records inside ``<div id="UNITID"><script
  type="text/xml">`` as ``<record><![CDATA[…]]></record>`` entries and the jpage call
  (``$('#UNITID').jpage({… totalRecord, groupSize, proxyUrl, perPage, ajaxParam:{…}})``) whose data proxy answers
  the further groups to a POST (:func:`hanweb_proxy_answer`).

Names, codes and numbers of the site are made up.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

SITE_NAME = "演示县人民政府"
SITE_CODE = "9900000001"
ICP = "演ICP备00000001号"
COLUMN_NAME = "政府信息公开年报"
HANWEB_COLUMN_NAME = "政府信息公开工作年度报告"


@dataclass(frozen=True)
class ListItem:
    """One entry of a column list."""

    href: str
    title: str
    date: str


@dataclass(frozen=True)
class MenuLink:
    """A sub-column link in a column page's menu; ``group`` starts a new group heading when set."""

    href: str
    name: str
    group: str = ""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_TRS_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1" />
<meta name="SiteName" content="{site}" />
<meta name="SiteDomain" content="demo.example.gov.cn" />
<meta name="SiteIDCode" content="{code}" />
<meta name="ColumnName" content="{column}" />
<meta name="ColumnType" content="{column}" />
{meta}<title>{title}_{site}</title>
<link href="/images/common.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/js/jquery-1.12.4.min.js"></script>
</head>
<body>
<div class="top-bar"><div class="w1200"><span class="date" id="today"></span>
<a href="javascript:void(0)" id="wza">无障碍浏览</a> | <a href="javascript:void(0)" id="elder">长者模式</a></div></div>
<div class="header"><div class="w1200"><div class="logo"><a href="/"><img src="/images/logo.png" alt="{site}" /></a></div>
<div class="search"><form action="/search/" method="get"><input type="text" name="searchword" />
<button type="submit">搜索</button></form></div></div></div>
<div class="nav"><ul class="w1200"><li><a href="/">首页</a></li><li class="on"><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="main w1200">
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>
&gt; <a href="/zwgk/zfxxgknb/">{column}</a>{crumb}</div>
"""

_TRS_FOOT = """</div>
<div class="footer"><div class="w1200">
<p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a></p>
<p>主办单位：{site}办公室&nbsp;&nbsp;网站标识码：{code}&nbsp;&nbsp;
<a href="https://beian.miit.gov.cn/" target="_blank">{icp}</a></p>
<p><a href="https://zfwzzc.www.gov.cn/" target="_blank"><img src="/images/jiucuo.png" alt="政府网站找错" /></a></p>
</div></div>
<script type="text/javascript">document.getElementById("today").innerHTML = new Date().toLocaleDateString();</script>
</body>
</html>
"""


def trs_article(
    title: str,
    report_html: str,
    *,
    source: str,
    pubdate: str | None,
    visible_date: str | None,
    attachments: Sequence[tuple[str, str]] = (),
    charset: str = "utf-8",
    crumb: tuple[str, str] | None = None,
) -> str:
    """A TRS article page. ``pubdate``/``visible_date`` None leave out the PubDate meta tag / the 发布时间 label;
    ``attachments`` are (href, file name) pairs listed under 附件."""
    meta = f'<meta name="ArticleTitle" content="{_e(title)}" />\n'
    if pubdate:
        meta += f'<meta name="PubDate" content="{_e(pubdate)}" />\n'
    meta += f'<meta name="ContentSource" content="{_e(source)}" />\n<meta name="Description" content="{_e(title)}" />\n'
    info = f"<span>发布时间：{_e(visible_date)}</span>&nbsp;&nbsp;" if visible_date else ""
    files = ""
    if attachments:
        items = "".join(f'<li><a href="{_e(href)}" target="_blank">{_e(name)}</a></li>' for href, name in attachments)
        files = f'<div class="fujian"><p>附件：</p><ul>{items}</ul></div>\n'
    crumb_html = f' &gt; <a href="{_e(crumb[0])}">{_e(crumb[1])}</a>' if crumb else ""
    head = _TRS_HEAD.format(
        charset=charset, site=SITE_NAME, code=SITE_CODE, column=COLUMN_NAME, meta=meta, title=_e(title), crumb=crumb_html
    )
    return (
        head
        + f"""<div class="article">
<div class="article-hd"><h1>{_e(title)}</h1>
<div class="article-info">{info}<span>来源：{_e(source)}</span>&nbsp;&nbsp;
<span>浏览次数：<script type="text/javascript">document.write("1024");</script>
</span></div></div>
<div class="article-bd">
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{report_html}
</div></div>
{files}</div>
<div class="share-bar"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
"""
        + _TRS_FOOT.format(site=SITE_NAME, code=SITE_CODE, icp=ICP)
    )


def trs_column(name: str, items: Sequence[ListItem], menu: Sequence[MenuLink], *, page: int, pages: int) -> str:
    """A TRS column page: the sub-column menu, one page of the list and the pager script."""
    groups: list[str] = []
    for link in menu:
        if link.group:
            groups.append(f'<li class="group">{_e(link.group)}</li>')
        groups.append(f'<li><a href="{_e(link.href)}">{_e(link.name)}</a></li>')
    rows = "\n".join(
        f'<li><a href="{_e(i.href)}" target="_blank" title="{_e(i.title)}">{_e(i.title)}</a>'
        f'<span class="date">{_e(i.date)}</span></li>'
        for i in items
    )
    if not rows:
        rows = '<li class="empty">暂无信息</li>'
    crumb = f' &gt; <a href="./">{_e(name)}</a>' if name != COLUMN_NAME else ""
    meta = f'<meta name="Keywords" content="{_e(name)}" />\n'
    head = _TRS_HEAD.format(
        charset="utf-8", site=SITE_NAME, code=SITE_CODE, column=COLUMN_NAME, meta=meta, title=_e(name), crumb=crumb
    )
    return (
        head
        + f"""<div class="column-left"><h3>{COLUMN_NAME}</h3><ul class="sub-columns">
{chr(10).join(groups)}
</ul></div>
<div class="column-right"><h2>{_e(name)}</h2>
<ul class="list">
{rows}
</ul>
<div class="page"><script type="text/javascript">
var currentPage = {page};
var countPage = {pages};
createPageHTML(countPage, currentPage, "index", "html");
</script></div>
</div>
"""
        + _TRS_FOOT.format(site=SITE_NAME, code=SITE_CODE, icp=ICP)
    )


@dataclass(frozen=True)
class JPage:
    """A Hanweb column's jpage list, as the column page's ``$('#UNITID').jpage({…})`` call gives it: the unit (the
    id of the ``<div>`` holding the records), ``perPage`` records a page, ``groupSize`` pages a group (the page holds
    the first group, each POST to ``proxyUrl`` one more) and the ``ajaxParam`` form fields."""

    unitid: str
    columnid: int
    webid: int = 1
    webname: str = SITE_NAME
    per_page: int = 15
    group_size: int = 3
    proxy: str = "/module/web/jpage/dataproxy.jsp"

    @property
    def group(self) -> int:
        """Records a group holds: the first group is in the page, each POST answers one."""
        return self.per_page * self.group_size

    def ajax_param(self) -> str:
        """The ``ajaxParam:{…}`` object of the jpage call (the form fields of its POSTs), as real pages write it."""
        return (
            f"{{col:1,appid:'1',webid:{self.webid},path:'/',columnid:{self.columnid},unitid:'{self.unitid}',"
            f"webname:'{self.webname}',permissiontype:0}}"
        )

    def nextgroup(self) -> str:
        """The ``<nextgroup>`` link of the page's datastore (the real ones say ``page=1`` and repeat the fields)."""
        return (
            f"{self.proxy}?page=1&appid=1&webid={self.webid}&path=/&columnid={self.columnid}&unitid={self.unitid}"
            f"&webname={self.webname}&permissiontype=0"
        )

    def call(self, total: int) -> str:
        """The jpage call, with the option names and order of a real column page."""
        return (
            f"$(function(){{$('#{self.unitid}').jpage({{themeName:'default',showMode:'full',totalRecord:{total},"
            f"openCookies:false,dataBefore:'',dataAfter:'',groupSize:{self.group_size},proxyUrl:'{self.proxy}',"
            f"perPage:{self.per_page},barPosition:'bottom',ajaxParam:{self.ajax_param()}}});}});"
        )


def hanweb_article(
    title: str,
    report_html: str,
    *,
    source: str,
    published: str,
    attachments: Sequence[tuple[str, str]] = (),
    column_href: str,
    column_name: str = HANWEB_COLUMN_NAME,
    index_number: str = f"{SITE_CODE}/2026-00012",
    written: str | None = None,
) -> str:
    """A Hanweb 信息公开 article page (to be encoded as GBK): the meta tags real jcms pages carry (``ArticleTitle``,
    ``PubDate``, ``ContentSource``, ``ColumnName``), the ``xxgk_table`` attribute table, the report in
    ``<td class="bt_content"><div id="zoom">`` between ``<meta name="ContentStart"/>`` and ``ContentEnd``."""
    files = "".join(f'<p>附件：<a href="{_e(href)}" target="_blank">{_e(name)}</a></p>' for href, name in attachments)
    day = published.split(maxsplit=1)[0]
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{_e(title)}_{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="demo.example.gov.cn">
<meta name="SiteIDCode" content="{SITE_CODE}">
<meta name="ColumnName" content="{_e(column_name)}">
<meta name="ArticleTitle" content="{_e(title)}">
<meta name="PubDate" content="{_e(published)}">
<meta name="ContentSource" content="{_e(source)}">
<meta name="Keywords" content="政府信息公开,年度报告">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<script language="javascript" src="/script/hanweb.js"></script>
</head>
<body>
<div id="barrierfree_container">
<div class="head"><div class="logo"><a href="/"><img src="/picture/0/logo.png" alt="{SITE_NAME}" border="0"></a></div></div>
<div id="nav" class="mainnav"><a href="/">首页</a><a href="/col/col101/index.html">政务公开</a></div>
<table width="1200" border="0" align="center" cellpadding="0" cellspacing="0" class="layout"><tr>
<td width="240" valign="top" class="leftbg"><div id="leftmenu" class="left-menu"><h3>政府信息公开</h3>
<ul><li class="on"><a href="{_e(column_href)}">{_e(column_name)}</a></li></ul></div></td>
<td valign="top">
<div class="dqwz">您当前的位置：<a href="/">首页</a> &gt; <a href="{_e(column_href)}">{_e(column_name)}</a></div>
<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td>索引号：</td><td>{_e(index_number)}</td><td>主题分类：</td><td>政务公开</td></tr>
<tr><td>发文机关：</td><td>{_e(source)}</td><td>发文字号：</td><td></td></tr>
<tr><td>成文日期：</td><td>{_e(written or day)}</td><td>发布日期：</td><td>{_e(day)}</td></tr>
</table>
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td class="title" align="center">{_e(title)}</td></tr>
<tr><td align="center" class="info">发布日期：{_e(day)}&nbsp;&nbsp;信息来源：
<!--<$[信息来源]>begin-->{_e(source)}<!--<$[信息来源]>end--></td></tr>
<tr><td class="bt_content"><div id="zoom"><meta name="ContentStart"/>
{report_html}
{files}<meta name="ContentEnd"/></div></td></tr>
</table>
</td></tr></table>
<div class="footer">主办：{SITE_NAME}办公室 &nbsp; 网站标识码：{SITE_CODE} &nbsp;
<a href="https://beian.miit.gov.cn/" target="_blank">{ICP}</a>
</div>
</div>
</body>
</html>
"""


def hanweb_records(items: Sequence[ListItem]) -> str:
    """Hanweb's record list: one ``<record><![CDATA[<li>…</li>]]></record>`` per entry, the date in a ``<span>``
    after the link (as jiangsu.gov.cn's records)."""
    return "\n".join(
        f"<record><![CDATA[<li><a href='{_e(i.href)}' title='{_e(i.title)}' target='_blank'>{_e(i.title)}</a>"
        f"<span>{_e(i.date)}</span></li>]]></record>"
        for i in items
    )


def hanweb_column(name: str, jpage: JPage, items: Sequence[ListItem], menu: Sequence[MenuLink]) -> str:
    """A Hanweb column page: the first group of records in ``<div id="UNITID"><script type="text/xml">``, the
    ``<nextgroup>`` link, and the jpage call whose ``proxyUrl``/``ajaxParam`` the browser POSTs for the rest."""
    links = "".join(f'<li><a href="{_e(m.href)}">{_e(m.name)}</a></li>' for m in menu)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{_e(name)}_{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteIDCode" content="{SITE_CODE}">
<meta name="ColumnName" content="{_e(name)}">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
</head>
<body>
<div id="barrierfree_container">
<div id="nav" class="mainnav"><a href="/">首页</a><a href="/col/col101/index.html">政务公开</a></div>
<div id="leftmenu" class="left-menu"><h3>{HANWEB_COLUMN_NAME}</h3><ul>{links}</ul></div>
<div class="bt-list"><h2>{_e(name)}</h2>
<div id="{jpage.unitid}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{jpage.nextgroup()}"></a>]]></nextgroup>
<recordset>
{hanweb_records(items[: jpage.group])}
</recordset></datastore></script></div>
<script>{jpage.call(len(items))}</script>
</div>
</div>
</body>
</html>
"""


#: What a Hanweb data proxy answers a request it does not take (a GET, unknown column or unit): no records.
HANWEB_EMPTY_DATASTORE = "<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n<recordset>\n</recordset>\n</datastore>\n"


def hanweb_dataproxy(items: Sequence[ListItem], *, total: int, total_pages: int) -> str:
    """What Hanweb's ``dataproxy.jsp`` answers a POST: bare XML, the totals and the records asked for."""
    return (
        f"<datastore><totalrecord>{total}</totalrecord><totalpage>{total_pages}</totalpage>\n<recordset>\n"
        f"{hanweb_records(items)}\n</recordset></datastore>\n"
    )


def hanweb_proxy_answer(
    method: str, query: str, form: Sequence[tuple[str, str]], lists: Mapping[tuple[str, str], Sequence[ListItem]]
) -> str:
    """A data proxy's answer: to a POST whose form names a known (``columnid``, ``unitid``), the records
    ``startrecord``..``endrecord`` (1-based, inclusive) of that list; to anything else (a GET, as on sites whose
    parameters are encrypted; a wrong column or unit; no range) an empty datastore."""
    fields = dict(form)
    asked = dict(parse_qsl(query))
    items = lists.get((fields.get("columnid", ""), fields.get("unitid", "")))
    try:
        start, end = int(asked["startrecord"]), int(asked["endrecord"])
        per_page = max(1, int(asked.get("perpage") or 15))
    except (KeyError, ValueError):
        return HANWEB_EMPTY_DATASTORE
    if method != "POST" or items is None or start < 1 or end < start:
        return HANWEB_EMPTY_DATASTORE
    return hanweb_dataproxy(items[start - 1 : end], total=len(items), total_pages=-(-len(items) // per_page))


def home_page(column_href: str) -> str:
    """The portal's home page: a link to the 年报 column."""
    return (
        _TRS_HEAD.format(charset="utf-8", site=SITE_NAME, code=SITE_CODE, column=COLUMN_NAME, meta="", title="首页", crumb="")
        + f'<div class="home"><a href="{_e(column_href)}">{COLUMN_NAME}</a></div>\n'
        + _TRS_FOOT.format(site=SITE_NAME, code=SITE_CODE, icp=ICP)
    )


NOT_FOUND = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>404 页面不存在</title></head>
<body><h1>404 页面不存在</h1><p>您访问的页面不存在或已删除。<a href="/">返回首页</a></p></body></html>
"""

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /search/
"""
