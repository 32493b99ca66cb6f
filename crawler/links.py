"""Reading portal pages: a 年报 column page's entries (link, title, date) and its other pages; an article page's
attachments. Pure functions of the page text and URL; the spider decides what to follow.

List entries come from the page's links, or from the records a Hanweb column keeps inside
``<script type="text/xml">`` (``<record><![CDATA[<li>…</li>]]></record>``, the next group of records in
``<nextgroup>``). Other pages of a list are found from TRS's ``createPageHTML(count, current, "index", "html")`` /
``countPage``, from ``index_N.html`` and ``?page=N`` style links, and from 下一页 / 尾页 links. Per-portal CSS
selectors (``list_item``, ``list_title``, ``list_date``, ``next_page``, ``script_records``, ``content``,
``attachments``) override the generic reading where a portal needs it; ``::text`` and ``::attr(name)`` work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from crawler.titles import compact
from documents.dates import DATE

DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp")
DEFAULT_SCRIPT_RECORDS = 'script[type="text/xml"]'
DEFAULT_CONTENT = ".TRS_Editor, .TRS_UEDITOR, #zoom, #Zoom, #UCAP-CONTENT, ucapcontent, .bt_content, .article-bd, .main-txt"
MAX_EXPANDED_PAGES = 200

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*['\"]([^'\"]*)['\"]\s*,\s*['\"]([^'\"]*)['\"]")
# TRS 海云 templates: createPageHTML('page_div', pageCount, currentPage (1-based), 'prefix', 'ext', records).
_CREATE_PAGE_IN = re.compile(
    r"createPageHTML\s*\(\s*['\"][^'\"]*['\"]\s*,\s*([\w.]+)\s*,\s*[\w.]+\s*,\s*['\"]([^'\"]*)['\"]\s*,\s*['\"]([^'\"]*)['\"]"
)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_SIBLING_PAGE = re.compile(r"^(index|default|list)_(\d+)\.(s?html?)$", re.I)
_LIST_FILE = re.compile(r"^(?:index|default|list)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$", re.I)
_PAGE_PARAMS = frozenset(("page", "pageno", "pageindex", "pagenum", "currentpage", "curpage", "pn", "p"))
_NEXT_WORDS = ("下一页", "下页", "后一页")
_LAST_WORDS = ("尾页", "末页", "最后一页")
_NOISE = re.compile(r"nav|menu|footer|foot|header|share|crumb|sidebar|copyright|friend|link-list|yqlj", re.I)
_NOT_FOUND = re.compile(r"404|页面不存在|页面未找到|找不到(?:该|您)?(?:页面|网页)|不存在或已删除|Not Found", re.I)
_FILE_PARAMS = ("filename", "fileName", "file", "name", "fn")


@dataclass(frozen=True)
class Entry:
    """A link on a page: where it goes, its title and the date shown next to it ("" when none)."""

    url: str
    title: str
    date_text: str = ""


@dataclass(frozen=True)
class PageRequest:
    """Another page of a list that is not a plain link: a POST with form fields (Hanweb's ``dataproxy.jsp``) or a
    JSON API address (gkmlpt). ``form`` is sent as ``application/x-www-form-urlencoded`` when ``method`` is POST."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()

    def key(self) -> str:
        """What tells two list requests apart: the method, the URL and the form."""
        return f"{self.method} {self.url} {urlencode(self.form)}" if self.method != "GET" or self.form else self.url


@dataclass(frozen=True)
class ListPage:
    """What a column page offers: its entries, the other pages of the same list (links), and list requests that
    are not links (``requests``: POSTs, API calls)."""

    entries: tuple[Entry, ...]
    pages: tuple[str, ...]
    requests: tuple[PageRequest, ...] = ()


def _texts(scope: Selector, css: str) -> str:
    """The text ``css`` selects in ``scope``: values for ``::text``/``::attr()``, element text otherwise."""
    found = scope.css(css)
    values = found.getall() if "::" in css else [element.xpath("string()").get() or "" for element in found]
    return " ".join(" ".join(v.split()) for v in values if v and v.strip())


def _records(selector: Selector, text: str, selectors: Mapping[str, str]) -> tuple[list[Selector], list[Selector]]:
    css = selectors.get("script_records", DEFAULT_SCRIPT_RECORDS)
    sources = selector.css(css if "::" in css else f"{css}::text").getall()
    if text.lstrip()[:200].lower().startswith(("<?xml", "<datastore")):  # a Hanweb data proxy answers bare XML
        sources.append(text)
    records = [Selector(text=r) for source in sources for r in _RECORD.findall(source) if r.strip()]
    groups = [Selector(text=g) for source in sources for g in _NEXTGROUP.findall(source) if g.strip()]
    return records, groups


def _container(link: Selector) -> Selector:
    found = link.xpath("ancestor::*[self::li or self::tr or self::dd or self::dt or self::p][1]")
    if found:
        return found[0]
    parent = link.xpath("..")
    return parent[0] if parent else link


def _entries(scope: Selector, base_url: str, selectors: Mapping[str, str]) -> list[Entry]:
    out = []
    item_css = selectors.get("list_item")
    items = scope.css(item_css) if item_css else scope.css("a[href]")
    for item in items:
        links = [item] if _tag(item) == "a" else item.css("a[href]")[:1]
        if not links:
            continue
        link = links[0]
        href = (link.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        container = item if item_css else _container(link)
        title = _texts(container, selectors["list_title"]) if "list_title" in selectors else ""
        if not title:
            title = " ".join((link.attrib.get("title") or "").split()) or " ".join((link.xpath("string()").get() or "").split())
        date_text = _texts(container, selectors["list_date"]) if "list_date" in selectors else ""
        if not date_text and _links_to_one(container, base_url):
            found = DATE.search(container.xpath("string()").get() or "")
            date_text = found.group(0) if found else ""
        if not date_text and not item_css:
            date_text = _sibling_date(link)
        out.append(Entry(urljoin(base_url, href), title, date_text))
    return out


def _sibling_date(link: Selector) -> str:
    """The date written right after a link, before the next link, in a list without one element per entry
    (``<a>…</a><span>2026-01-20</span><br/><a>…</a>…``). Only when no date comes before the container's first
    link: in ``<span>date</span><a>…</a><span>date</span><a>…</a>`` the date after a link is its neighbour's."""
    root = link.root
    if not isinstance(root, etree._Element):
        return ""
    parent = root.getparent()
    if parent is None or _date_before_first_link(parent):
        return ""
    found = DATE.search(_text_up_to_a_link(root.tail or "", root.itersiblings()))
    return found.group(0) if found else ""


def _date_before_first_link(parent: etree._Element) -> bool:
    return DATE.search(_text_up_to_a_link(parent.text or "", iter(parent))) is not None


def _text_up_to_a_link(start: str, elements: Iterator[etree._Element]) -> str:
    """``start`` and the text of ``elements`` (with their tails) up to the first one that is or holds a link."""
    texts = [start]
    for element in elements:
        tag = element.tag
        if isinstance(tag, str) and (tag.lower() == "a" or element.find(".//a") is not None):
            break
        if isinstance(tag, str):
            texts.append(" ".join(str(t) for t in element.itertext()))
        texts.append(element.tail or "")
    return " ".join(texts)


def _links_to_one(container: Selector, base_url: str) -> bool:
    """True when every link in ``container`` goes to the same place: a date in it is that entry's, not a
    neighbour's (a list without one element per entry puts several links and dates in one container)."""
    targets = {urljoin(base_url, (a.attrib.get("href") or "").strip()) for a in container.css("a[href]")}
    return len(targets) <= 1


def _tag(selector: Selector) -> str:
    root = selector.root
    return str(root.tag).lower() if isinstance(root, etree._Element) else ""


def read_list(text: str, url: str, selectors: Mapping[str, str] | None = None) -> ListPage:
    """The entries of a column page (its links, and Hanweb's script records) and the other pages of its list."""
    selectors = selectors or {}
    page = Selector(text=text or "<html></html>")
    records, groups = _records(page, text, selectors)
    entries = _entries(page, url, selectors)
    for record in records:
        entries += _entries(record, url, selectors)
    pages: list[str] = [*_script_pages(text, url), *_link_pages(page, url)]
    for group in groups:
        pages += [urljoin(url, href) for href in group.css("a::attr(href)").getall()]
    if "next_page" in selectors:
        for scope in (page, *groups):
            pages += _selected_urls(scope, selectors["next_page"], url)
    return ListPage(tuple(_unique_entries(entries)), tuple(p for p in dict.fromkeys(pages) if p != url))


def _unique_entries(entries: Iterable[Entry]) -> list[Entry]:
    best: dict[str, Entry] = {}
    for entry in entries:  # a link listed twice (image and text) keeps its longest title and a date
        kept = best.get(entry.url)
        if kept is None:
            best[entry.url] = entry
        else:
            best[entry.url] = Entry(entry.url, max(kept.title, entry.title, key=len), kept.date_text or entry.date_text)
    return list(best.values())


def _selected_urls(scope: Selector, css: str, base_url: str) -> list[str]:
    found = scope.css(css)
    hrefs = found.getall() if "::" in css else [e.attrib.get("href", "") for e in found]
    return [urljoin(base_url, h.strip()) for h in hrefs if h and h.strip() and not h.startswith("javascript:")]


def _script_pages(text: str, url: str) -> list[str]:
    """Pages announced by TRS's pager script: ``createPageHTML(count, current, "index", "html")`` (pages
    ``index.html``, ``index_1.html`` …), or ``createPageHTML('page_div', count, current, "list", "shtml", records)``
    (pages ``list.shtml``, ``list_2.shtml`` …)."""
    out: list[str] = []
    for match in _CREATE_PAGE.finditer(text):
        count = _number(match.group(1), text)
        prefix, ext = match.group(3) or "index", match.group(4) or "html"
        if count:
            out += [f"{prefix}.{ext}"] + [f"{prefix}_{i}.{ext}" for i in range(1, min(count, MAX_EXPANDED_PAGES))]
    for match in _CREATE_PAGE_IN.finditer(text):
        count = _number(match.group(1), text)
        prefix, ext = match.group(2) or "index", match.group(3) or "html"
        if count:
            out += [f"{prefix}.{ext}"] + [f"{prefix}_{i}.{ext}" for i in range(2, min(count, MAX_EXPANDED_PAGES) + 1)]
    if not out:
        counted = _COUNT_PAGE.search(text)
        if counted:
            count = int(counted.group(1))
            out += ["index.html"] + [f"index_{i}.html" for i in range(1, min(count, MAX_EXPANDED_PAGES))]
    return [urljoin(url, page) for page in out]


def _number(token: str, text: str) -> int:
    if token.isdigit():
        return int(token)
    found = re.search(rf"\b{re.escape(token.rsplit('.', maxsplit=1)[-1])}\s*=\s*(\d+)", text)
    return int(found.group(1)) if found else 0


def _link_pages(page: Selector, url: str) -> list[str]:
    out: list[str] = []
    for link in page.css("a[href]"):
        href = (link.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        target = urljoin(url, href)
        label = compact(link.xpath("string()").get() or "")
        same_site = urlsplit(target).netloc == urlsplit(url).netloc
        if label in _LAST_WORDS and same_site:
            out += _expand_to(target)
        elif (label in _NEXT_WORDS and same_site) or is_sibling_page(target, url):
            out.append(target)
    return out


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            return key, int(value)
    return None


def is_sibling_page(target: str, url: str) -> bool:
    """True when ``target`` is another page of the list at ``url`` (index_N.html beside it, or ?page=N on it)."""
    a, b = urlsplit(target), urlsplit(url)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        return False
    directory = b.path.rsplit("/", 1)[0]
    name = a.path.rsplit("/", 1)[-1]
    if a.path.rsplit("/", 1)[0] == directory and (_SIBLING_PAGE.match(name) or _LIST_FILE.match(name)) and not a.query:
        return a.path != b.path
    return a.path == b.path and _page_param(target) is not None


def _expand_to(last: str) -> list[str]:
    """Every page up to the last one (尾页) of a numbered list."""
    parts = urlsplit(last)
    directory, name = parts.path.rsplit("/", 1)
    numbered = _SIBLING_PAGE.match(name)
    if numbered and not parts.query:
        prefix, count, ext = numbered.group(1), int(numbered.group(2)), numbered.group(3)
        last_page = min(count, MAX_EXPANDED_PAGES)
        return [urlunsplit(parts._replace(path=f"{directory}/{prefix}_{i}.{ext}")) for i in range(1, last_page + 1)]
    param = _page_param(last)
    if param is None:
        return [last]
    key, count = param
    query = parse_qsl(parts.query, keep_blank_values=True)
    return [
        urlunsplit(parts._replace(query=urlencode([(k, str(i) if k == key else v) for k, v in query])))
        for i in range(1, min(count, MAX_EXPANDED_PAGES) + 1)
    ]


def is_list_url(url: str) -> bool:
    """True for URLs that look like column pages: a folder, index/default/list pages, or a page parameter."""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1]
    return parts.path.endswith("/") or bool(_LIST_FILE.match(name)) or _page_param(url) is not None


def file_extension(url: str) -> str:
    """The file extension of a link (``.pdf`` …), from its path or from a file-name parameter of a download script."""
    parts = urlsplit(url)
    name = unquote(parts.path.rsplit("/", 1)[-1]).lower()
    if "." in name and not name.endswith((".jsp", ".asp", ".aspx", ".php", ".do", ".action")):
        return "." + name.rsplit(".", 1)[-1]
    params = dict(parse_qsl(parts.query))
    for key in _FILE_PARAMS:
        value = unquote(params.get(key, "")).lower()
        if "." in value:
            return "." + value.rsplit(".", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _in_noise(link: Selector) -> bool:
    root = link.root
    if not isinstance(root, etree._Element):
        return False
    for ancestor in root.iterancestors():
        words = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if str(ancestor.tag).lower() in ("nav", "header", "footer") or (words.strip() and _NOISE.search(words)):
            return True
    return False


def attachment_links(text: str, url: str, selectors: Mapping[str, str] | None = None) -> list[Entry]:
    """The attachments of an article page: PDF/DOC/DOCX/WPS links outside the site's menus and footer, and, on a
    page whose body is only images (a scanned "图片版" report), those images."""
    selectors = selectors or {}
    page = Selector(text=text or "<html></html>")
    out: list[Entry] = []
    if "attachments" in selectors:
        css = selectors["attachments"]
        for found in page.css(css):
            href = found.get() if "::" in css else (found.attrib.get("href") or found.attrib.get("src") or "")
            title = "" if "::" in css else " ".join((found.attrib.get("title") or found.xpath("string()").get() or "").split())
            if href and href.strip():
                out.append(Entry(urljoin(url, href.strip()), title))
    else:
        for link in page.css("a[href]"):
            target = urljoin(url, (link.attrib.get("href") or "").strip())
            if file_extension(target) in DOCUMENT_EXTENSIONS and not _in_noise(link):
                title = " ".join((link.xpath("string()").get() or link.attrib.get("title") or "").split())
                out.append(Entry(target, title))
        content = page.css(selectors.get("content", DEFAULT_CONTENT))[:1]
        if content and len(compact(content[0].xpath("string()").get() or "")) < 200:
            for image in content[0].css("img[src]"):
                target = urljoin(url, image.attrib["src"].strip())
                if file_extension(target) in IMAGE_EXTENSIONS and not re.search(r"icon|logo|share|blank", target, re.I):
                    out.append(Entry(target, image.attrib.get("alt", "")))
    return list({entry.url: entry for entry in out if urlsplit(entry.url).scheme in ("http", "https")}.values())


def looks_not_found(text: str) -> bool:
    """True for a "page not found" page served with status 200 (a soft 404)."""
    page = Selector(text=text or "<html></html>")
    heading = " ".join(page.css("title::text, h1::text").getall())
    return bool(_NOT_FOUND.search(heading))
