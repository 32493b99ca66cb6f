"""广东 gkmlpt (政府信息公开目录管理平台): a single-page application at ``{prefix}/gkmlpt/index``.

The index page holds ``window._CONFIG = {… SID: '755001', … TREE: [{"id": 2345, "name": "政府信息公开年报", …}] …}``;
a column is the index address with the column id as its fragment (``…/gkmlpt/index#2345``). Its entries come from
a JSON API under the same prefix, 100 a page::

    GET {prefix}/gkmlpt/api/all/2345?page=1&sid=755001
    {"classify": {"id": 2345, "name": …}, "articles": [{"id": …, "title": …, "url": ".../gkmlpt/content/2/2234/
     post_2234567.html", "date": 1611302400, "first_publish_time": …, "publisher": …}], "total": 123, "offset": 0}

``date`` is the 成文日期; the publication day is ``first_publish_time`` (or ``create_time``), epoch seconds. Detail
pages carry the 信息公开 table (发布日期 …) and the body.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from crawler.links import MAX_EXPANDED_PAGES, Entry, ListPage, PageRequest
from crawler.presets.base import ListContext, Preset

PAGE_SIZE = 100
_SID = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
_TREE = re.compile(r"TREE\s*:\s*(\[.*?\])\s*,\s*[A-Z_]+\s*:", re.S)
_API = re.compile(r"/gkmlpt/api/all/(\d+)$")
_PUBLISHED_KEYS = ("first_publish_time", "create_time", "display_publish_time", "publish_time")
_MARKERS = (
    (re.compile(r"/gkmlpt/"), 3),
    (re.compile(r"window\._CONFIG\s*=", re.S), 2),
    (re.compile(r"\bSID\s*:\s*['\"]?\d+"), 2),
    (re.compile(r"NFCMS_SITE_ID"), 1),
)


def score(text: str, url: str) -> int:
    """How much ``text`` (at ``url``) looks like a gkmlpt page or API answer."""
    points = sum(weight for pattern, weight in _MARKERS if pattern.search(text))
    return points + (4 if "/gkmlpt/" in url else 0)


def _prefix(url: str) -> str:
    """The site and path before ``/gkmlpt/`` (a department's platform lives under its own path)."""
    parts = urlsplit(url)
    path = parts.path.split("/gkmlpt/", 1)[0] if "/gkmlpt/" in parts.path else parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_url(url: str, column_id: str, sid: str, page: int = 1) -> str:
    """The list API address of column ``column_id`` on the platform at ``url``."""
    return f"{_prefix(url)}/gkmlpt/api/all/{column_id}?{urlencode({'page': page, 'sid': sid})}"


def _report_column(tree: Any) -> str | None:
    """The id of the 年报 column in the index page's TREE (a node named like 政府信息公开年报 / 年度报告)."""
    stack = list(tree) if isinstance(tree, list) else []
    while stack:
        node = stack.pop(0)
        if not isinstance(node, dict):
            continue
        name = str(node.get("name") or "")
        if "年报" in name or "年度报告" in name:
            return str(node.get("id"))
        stack += node.get("children") or []
    return None


def _day(value: Any, timezone: str) -> str:
    """``YYYY-MM-DD`` of an epoch-seconds value (or of a date string), in the county's time zone; "" when none."""
    if isinstance(value, bool) or value in (None, "", 0):
        return ""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC).astimezone(ZoneInfo(timezone)).date().isoformat()
    return str(value)[:10]


def _read_json(context: ListContext, data: dict[str, Any]) -> ListPage:
    articles = data.get("articles") or []
    entries = []
    for article in articles if isinstance(articles, list) else []:
        if not isinstance(article, dict) or not (article.get("url") or article.get("post_url")):
            continue
        href = str(article.get("url") or article.get("post_url"))
        published = next((article[k] for k in _PUBLISHED_KEYS if article.get(k)), None)
        entries.append(
            Entry(
                urljoin(context.url, href), " ".join(str(article.get("title") or "").split()), _day(published, context.timezone)
            )
        )
    requests: list[PageRequest] = []
    parts = urlsplit(context.url)
    query = dict(parse_qsl(parts.query))
    found = _API.search(parts.path)
    total = data.get("total")
    if found and query.get("page", "1") in ("1", "0") and isinstance(total, int):
        pages = min(-(-total // PAGE_SIZE), MAX_EXPANDED_PAGES)
        requests = [PageRequest(api_url(context.url, found.group(1), query.get("sid", ""), n)) for n in range(2, pages + 1)]
    return ListPage(tuple(entries), (), tuple(requests))


def read(context: ListContext) -> ListPage:
    """An index page (→ the API request of the configured column) or an API answer (→ entries and further pages)."""
    text = context.text.lstrip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _read_json(context, data)
    sid = _SID.search(context.text)
    column_id = urlsplit(context.column_url).fragment.strip("/")
    if not column_id.isdigit():
        tree = _TREE.search(context.text)
        try:
            column_id = (_report_column(json.loads(tree.group(1))) if tree else None) or ""
        except ValueError:
            column_id = ""
    if sid is None or not column_id:
        return ListPage((), ())
    return ListPage((), (), (PageRequest(api_url(context.url, column_id, sid.group(1))),))


PRESET = Preset(
    name="gkmlpt",
    label="广东政府信息公开目录管理平台 gkmlpt",
    score=score,
    selectors={"content": ".article-content, .TRS_Editor, .zw, #zoom"},
    read=read,
)
