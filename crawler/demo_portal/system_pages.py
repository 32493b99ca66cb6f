"""Page templates of the per-system demo columns (:mod:`crawler.demo_portal.systems`), one 年报 column per portal
system, in each system's own markup. What is copied from real pages (see the module docstring of ``systems``):

- TRS WCM: the classic pager ``createPageHTML(countPage, currentPage, "index", "html")`` (0-based current page,
  pages ``index.html``, ``index_1.html`` …) with its definition inline; a list whose links and dates are siblings
  in one container (``<a …>title</a><span>2026-01-20</span><br/>``). Articles are :func:`pages.trs_article`.
- Hanweb: :func:`pages.hanweb_column` / :func:`pages.hanweb_article` (jpage call, datastore, dataproxy).
- gkmlpt: the SPA shell whose ``window._CONFIG`` holds ``SID: '…'`` and ``TREE: […]`` followed by
  ``SERVICE_AREA_ID``; detail pages with the 信息公开 table (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期, 主题词),
  the body in ``div.article-content`` and attachments as ``a.nfw-cms-attachment``.
- UCAP (开普云): articles with ``ArticleTitle``/``ContentSource``/``PubDate`` ("YYYY-MM-DD HH:MM") meta tags, the
  title in ``<UCAPTITLE>`` and the body in ``<UCAPCONTENT>``.
- generic: a table of links with the dates in ``<td>`` cells, pages ``?page=N`` with 下一页/尾页 links.

Names, codes and numbers are made up.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from crawler.demo_portal.pages import _TRS_FOOT, _TRS_HEAD, COLUMN_NAME, ICP, SITE_CODE, SITE_NAME, ListItem


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# The classic WCM pager function, as column pages define it inline (the links are written by script only).
_CREATE_PAGE_FUNCTION = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else {
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    var prev = nCurrIndex == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + (nCurrIndex - 1) + "." + _sPageExt;
    document.write("<a href=\\"" + prev + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex == (_nPageCount - 1)){ document.write("下一页&nbsp;尾页"); }
  else {
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\\">尾页</a>");
  }
}
</script>
"""


def trs_sibling_column(items: Sequence[ListItem], *, page: int, pages: int) -> str:
    """A TRS column page whose list puts every link and its date side by side in one ``<div class="list">``
    (no element per entry), paged by ``createPageHTML(countPage, currentPage, "index", "html")``."""
    rows = "\n".join(
        f'<a href="{_e(i.href)}" target="_blank" title="{_e(i.title)}">{_e(i.title)}</a><span>{_e(i.date)}</span><br/>'
        for i in items
    )
    meta = f'<meta name="Keywords" content="{COLUMN_NAME}" />\n'
    head = _TRS_HEAD.format(
        charset="utf-8", site=SITE_NAME, code=SITE_CODE, column=COLUMN_NAME, meta=meta, title=COLUMN_NAME, crumb=""
    )
    return (
        head.replace("</head>", _CREATE_PAGE_FUNCTION + "</head>", 1)
        + f"""<div class="column-right"><h2>{COLUMN_NAME}</h2>
<div class="list">
{rows}
</div>
<div class="page"><script type="text/javascript">createPageHTML({pages}, {page}, "index", "html");</script></div>
</div>
"""
        + _TRS_FOOT.format(site=SITE_NAME, code=SITE_CODE, icp=ICP)
    )


def gkmlpt_index(sid: str, tree: list[dict[str, Any]], service_area: int) -> str:
    """The gkmlpt single-page application's index page: an empty ``#app`` and ``window._CONFIG``."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>政府信息公开目录_{SITE_NAME}</title>
<link href="/gkmlpt/gkml/pc/css/chunk-common.css" rel="stylesheet">
</head>
<body>
<noscript><strong>请开启浏览器的JavaScript功能后访问本页面。</strong></noscript>
<div id="app"></div>
<script>
window._CONFIG = {{
    SID: '{sid}',
    TREE: {json.dumps(tree, ensure_ascii=False)},
    SERVICE_AREA_ID: {service_area}
}};
</script>
<script src="/gkmlpt/gkml/pc/js/chunk-vendors.js"></script>
<script src="/gkmlpt/gkml/pc/js/chunk-common.c1553651.js"></script>
<script src="/gkmlpt/gkml/pc/js/index.js"></script>
</body>
</html>
"""


def gkmlpt_detail(
    *,
    sid: str,
    post_id: int,
    title: str,
    publisher: str,
    identifier: str,
    written: str,
    published: str,
    report_html: str,
    attachments: Sequence[tuple[str, str]] = (),
) -> str:
    """A gkmlpt detail page: the 信息公开 table, the title, the body in ``div.article-content`` with attachments as
    ``a.nfw-cms-attachment``; ``written`` is the 成文日期, ``published`` the 发布日期 (ISO days)."""
    files = "".join(
        f'<p><a class="nfw-cms-attachment" href="{_e(href)}" target="_blank">{_e(name)}</a></p>' for href, name in attachments
    )
    detail = json.dumps({"id": post_id, "title": title, "publisher": publisher, "identifier": identifier}, ensure_ascii=False)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{_e(title)}_{SITE_NAME}</title>
<link href="/gkmlpt/gkml/pc/css/detail.css" rel="stylesheet">
<script>
window._CONFIG = {{ SID: '{sid}', DETAIL: {detail} }};
</script>
</head>
<body>
<div class="header"><div class="w1200"><a href="/"><img src="/images/logo.png" alt="{SITE_NAME}"></a></div></div>
<div class="main w1200">
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/gkmlpt/index">政府信息公开</a> &gt; {COLUMN_NAME}</div>
<div class="content-box">
<div class="classify">
<table>
<tr><td class="td-label">索引号：</td><td class="td-value">{_e(identifier)}</td>
<td class="td-label">分类：</td><td class="td-value">{COLUMN_NAME}</td></tr>
<tr><td class="td-label">发布机构：</td><td class="td-value">{_e(publisher)}</td>
<td class="td-label">成文日期：</td><td class="td-value">{_e(written)}</td></tr>
<tr><td class="td-label">名称：</td><td class="td-value" colspan="3">{_e(title)}</td></tr>
<tr><td class="td-label">文号：</td><td class="td-value"></td>
<td class="td-label">发布日期：</td><td class="td-value">{_e(published)}</td></tr>
<tr><td class="td-label">主题词：</td><td class="td-value" colspan="3"></td></tr>
</table>
</div>
<div class="article">
<h1 class="title">{_e(title)}</h1>
<div class="article-content">
{report_html}
{files}
</div>
</div>
</div>
</div>
<div class="footer"><div class="w1200">主办单位：{SITE_NAME}办公室&nbsp;&nbsp;网站标识码：{SITE_CODE}&nbsp;&nbsp;{ICP}</div></div>
</body>
</html>
"""


def ucap_article(
    title: str, report_html: str, *, source: str, pubdate: str, attachments: Sequence[tuple[str, str]] = (), column: str
) -> str:
    """A UCAP (开普云) article page: ``ArticleTitle``/``ContentSource``/``PubDate`` meta tags (PubDate
    "YYYY-MM-DD HH:MM"), the title in ``<UCAPTITLE>``, the body in ``<UCAPCONTENT>``."""
    files = "".join(f'<li><a href="{_e(href)}" target="_blank">{_e(name)}</a></li>' for href, name in attachments)
    files_html = f'<div class="article_attachment"><p>附件：</p><ul>{files}</ul></div>' if files else ""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="ArticleTitle" content="{_e(title)}"/>
<meta name="ContentSource" content="{_e(source)}"/>
<meta name="PubDate" content="{_e(pubdate)}">
<meta name="SiteName" content="{SITE_NAME}"/>
<meta name="ColumnName" content="{COLUMN_NAME}"/>
<title>{_e(title)}-{SITE_NAME}</title>
<link rel="stylesheet" href="/yanshi/css/common.css">
</head>
<body>
<div class="header"><div class="w1200"><a href="/"><img src="/yanshi/images/logo.png" alt="{SITE_NAME}"></a></div></div>
<div class="main w1200">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{_e(column)}">{COLUMN_NAME}</a></div>
<div class="article">
<h1 class="article_title"><UCAPTITLE>{_e(title)}</UCAPTITLE></h1>
<div class="article_info"><span>来源：{_e(source)}</span></div>
<div class="article_content"><UCAPCONTENT>
{report_html}
</UCAPCONTENT></div>
{files_html}
</div>
</div>
<div class="footer">主办单位：{SITE_NAME}办公室&nbsp;&nbsp;网站标识码：{SITE_CODE}&nbsp;&nbsp;{ICP}</div>
</body>
</html>
"""


def ucap_column(items: Sequence[ListItem]) -> str:
    """A UCAP column page: the list of articles, one ``<li>`` each with its date."""
    rows = "\n".join(
        f'<li><a href="{_e(i.href)}" target="_blank" title="{_e(i.title)}">{_e(i.title)}</a>'
        f'<span class="date">{_e(i.date)}</span></li>'
        for i in items
    )
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="SiteName" content="{SITE_NAME}"/>
<meta name="ColumnName" content="{COLUMN_NAME}"/>
<title>{COLUMN_NAME}-{SITE_NAME}</title>
<link rel="stylesheet" href="/yanshi/css/common.css">
</head>
<body>
<div class="header"><div class="w1200"><a href="/"><img src="/yanshi/images/logo.png" alt="{SITE_NAME}"></a></div></div>
<div class="main w1200">
<div class="position">当前位置：<a href="/">首页</a> &gt; {COLUMN_NAME}</div>
<div class="list-box"><h2>{COLUMN_NAME}</h2>
<ul class="list">
{rows}
</ul>
</div>
</div>
<div class="footer">主办单位：{SITE_NAME}办公室&nbsp;&nbsp;网站标识码：{SITE_CODE}&nbsp;&nbsp;{ICP}</div>
</body>
</html>
"""


def generic_column(items: Sequence[ListItem], *, page: int, pages: int, name: str = "list.html") -> str:
    """A plain column page: a table of links with their dates in ``<td>`` cells, pages ``?page=N`` (1-based) linked
    as 首页/上一页/下一页/尾页."""
    rows = "\n".join(
        f'<tr><td class="title"><a href="{_e(i.href)}" target="_blank">{_e(i.title)}</a></td>'
        f'<td class="date">{_e(i.date)}</td></tr>'
        for i in items
    )
    links = [f'<a href="{name}">首页</a>']
    if page > 1:
        links.append(f'<a href="{name}?page={page - 1}">上一页</a>')
    if page < pages:
        links.append(f'<a href="{name}?page={page + 1}">下一页</a>')
    links.append(f'<a href="{name}?page={pages}">尾页</a>')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{COLUMN_NAME}_{SITE_NAME}</title>
</head>
<body>
<div id="header"><h1>{SITE_NAME}</h1></div>
<div id="content">
<h2>{COLUMN_NAME}</h2>
<table class="news-list" width="100%">
{rows}
</table>
<div class="pagination">共{pages}页 当前第{page}页 {" ".join(links)}</div>
</div>
<div id="footer">{SITE_NAME}办公室主办 {ICP}</div>
</body>
</html>
"""


def generic_article(
    title: str, report_html: str, *, source: str, published: str | None, attachments: Sequence[tuple[str, str]] = ()
) -> str:
    """A plain article page: the title, 发布时间 when ``published`` is given, the body and the attachments."""
    info = f"发布时间：{_e(published)}&nbsp;&nbsp;" if published else ""
    files = "".join(f'<p>附件：<a href="{_e(href)}">{_e(name)}</a></p>' for href, name in attachments)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{_e(title)}_{SITE_NAME}</title>
</head>
<body>
<div id="header"><h1>{SITE_NAME}</h1></div>
<div id="content">
<h2 class="article-title">{_e(title)}</h2>
<div class="article-info">{info}来源：{_e(source)}</div>
<div class="main-txt">
{report_html}
{files}
</div>
</div>
<div id="footer">{SITE_NAME}办公室主办 {ICP}</div>
</body>
</html>
"""
