"""大汉 Hanweb jcms: column pages ``/col/colNNNN/index.html``, articles ``/art/YYYY/M/D/art_COL_ID.html``.

A column page carries its first group of records inside ``<div id="UNITID"><script type="text/xml"><datastore>``
(``<record><![CDATA[<li><a …>…</a><span>2026-01-20</span></li>]]></record>``); the browser's jpage.js fetches the
further groups with a **POST** to the data proxy named in the page::

    POST /module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15
    col=1&appid=1&webid=1&path=/&columnid=1234&sourceContentType=1&unitid=4418&webname=…&permissiontype=0

(one request per ``groupSize × perPage`` records, 1-based, ``endrecord`` inclusive). The form fields are the jpage
call's ``ajaxParam:{…}`` (or a ``var param_UNITID = {…}``), else the query of the ``<nextgroup>`` link; the total
from ``totalRecord:`` or the proxy's ``<totalrecord>``. The proxy's path differs between deployments
(``/module/web/jpage/``, ``/module/jpage/``, ``/module/jslib/jquery/jpage/``) and is taken from the page.
Article bodies are ``<div id="zoom">`` (in ``<td class="bt_content">`` on older sites).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.links import MAX_EXPANDED_PAGES, ListPage, PageRequest, read_list
from crawler.presets.base import ListContext, Preset

_PROXY = re.compile(r"""proxyUrl\s*:\s*['"]([^'"]+)['"]""")
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]*dataproxy\.jsp[^'\"]*)['\"]", re.S | re.I)
_TOTAL = re.compile(r"totalRecord\s*:\s*['\"]?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)")
_GROUP = re.compile(r"groupSize\s*:\s*['\"]?(\d+)")
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{([^{}]*)\}")
_VAR_PARAM = re.compile(r"var\s+param_\w+\s*=\s*\{([^{}]*)\}")
_PAIR = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
_RECORD = re.compile(r"<record>", re.I)
_RANGE_KEYS = ("startrecord", "endrecord", "perpage")

_MARKERS = (
    (re.compile(r"dataproxy\.jsp", re.I), 4),
    (re.compile(r"<datastore>", re.I), 3),
    (re.compile(r"\.jpage\s*\(\s*\{"), 3),
    (re.compile(r"/col/col\d+/"), 1),
    (re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"), 2),
    (re.compile(r"<meta\s+name=['\"]ContentStart['\"]", re.I), 2),
    (re.compile(r"barrierfree_container|/module/jslib/|hanweb", re.I), 1),
)


def score(text: str, url: str) -> int:
    """How much ``text`` (at ``url``) looks like a Hanweb jcms page."""
    return sum(weight for pattern, weight in _MARKERS if pattern.search(text)) + (1 if "/col/col" in url else 0)


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    if found is None:
        return None
    value = next(group for group in found.groups() if group)
    return int(value)


def _form(text: str) -> tuple[tuple[str, str], ...]:
    """The jpage form fields: the jpage call's ``ajaxParam:{…}`` as it is (jpage.js sends exactly these), else the
    ``<nextgroup>`` link's query completed by a ``var param_UNIT = {…}`` (which may hold only columnid and unitid)."""
    found = _AJAX_PARAM.search(text)
    if found is not None:
        pairs = _object(found.group(1))
        if any(key == "columnid" for key, _ in pairs):
            return tuple(pairs)
    fields: dict[str, str] = {}
    link = _NEXTGROUP.search(text)
    if link is not None:
        query = parse_qsl(urlsplit(link.group(1).replace("&amp;", "&")).query, keep_blank_values=True)
        fields = {k: v for k, v in query if k not in ("page", *_RANGE_KEYS)}
    variable = _VAR_PARAM.search(text)
    if variable is not None:
        fields.update(_object(variable.group(1)))
    if "columnid" not in fields:
        return ()
    col = fields.pop("col", "1")
    fields.setdefault("sourceContentType", "1")
    return (("col", col), *fields.items())


def _object(source: str) -> list[tuple[str, str]]:
    """The members of a JavaScript object literal of plain values (``{col:1, webname:'…'}``)."""
    return [(m.group(1), next((g for g in m.groups()[1:] if g is not None), "")) for m in _PAIR.finditer(source)]


def _proxy(text: str, url: str) -> str | None:
    """The data proxy's address: the jpage call's ``proxyUrl``, else the ``<nextgroup>`` link's path."""
    found = _PROXY.search(text)
    if found is None:
        link = _NEXTGROUP.search(text)
        if link is None:
            return None
        address = str(link.group(1))
    else:
        address = str(found.group(1))
    return urlunsplit(urlsplit(urljoin(url, address))._replace(query="", fragment=""))


@dataclass(frozen=True)
class _Proxy:
    """Where and how a column's further records are asked: the proxy, the jpage form, records per page and per
    request (``groupSize × perPage``)."""

    url: str
    form: tuple[tuple[str, str], ...]
    per_page: int
    group: int

    def requests(self, start: int, total: int | None) -> list[PageRequest]:
        """POSTs for the records from ``start`` (1-based) on: to ``total``, or only the next group when the total
        is not known."""
        last = total if total is not None else start + self.group - 1
        out: list[PageRequest] = []
        while start <= last and len(out) < MAX_EXPANDED_PAGES:
            end = min(start + self.group - 1, last)
            query = urlencode({"startrecord": start, "endrecord": end, "perpage": self.per_page})
            out.append(PageRequest(f"{self.url}?{query}", "POST", self.form))
            start = end + 1
        return out


def read(context: ListContext) -> ListPage:
    """A Hanweb column page or a data proxy answer: its records, and the POSTs for the records still to read."""
    page = read_list(context.text, context.url, context.selectors)
    text = context.text
    per_page = _number(_PER_PAGE, text) or 15
    group = (_number(_GROUP, text) or 3) * per_page
    total = _number(_TOTAL, text)
    records = len(_RECORD.findall(text))
    asked = dict(parse_qsl(urlsplit(context.url).query))
    if "startrecord" in asked and context.form:  # a proxy answer: more to read when it says so, or when it was full
        end = int(asked.get("endrecord", "0") or 0)
        per_page = int(asked.get("perpage", per_page) or per_page)
        group = end - int(asked["startrecord"]) + 1 if end else group
        more = (total is not None and end < total) or (total is None and records >= group > 0)
        proxy = _Proxy(urlunsplit(urlsplit(context.url)._replace(query="")), context.form, per_page, group)
        return ListPage(page.entries, (), tuple(proxy.requests(end + 1, total)) if more else ())
    address, form = _proxy(text, context.url), _form(text)
    if address is None or not form:  # a column without jpage: its links and pages as they are
        return page
    pages = tuple(p for p in page.pages if "dataproxy.jsp" not in p)  # the <nextgroup> link is not a page to GET
    if total is not None and total <= records:
        return ListPage(page.entries, pages)
    # The page holds the first group of records; the proxy serves the rest.
    return ListPage(page.entries, pages, tuple(_Proxy(address, form, per_page, group).requests(records + 1, total)))


PRESET = Preset(
    name="hanweb",
    label="大汉 Hanweb jcms",
    score=score,
    selectors={"content": "#zoom, #Zoom, .bt_content"},
    read=read,
)
