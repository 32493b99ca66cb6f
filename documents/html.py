"""Government portal pages (TRS WCM, Hanweb and the like): the report body, its tables and the page's meta tags.

The page is parsed once with lxml; everything after that walks the tree a single time. Text is read with
``etree.tostring(method="text")``, which runs in C, so the Python work is per block and per table cell, not per
text node: a 50 KB report page with three tables takes 1–2 ms, most of it libxml2's parse. ``<br>`` is turned into
a private marker character before the walk, so a paragraph can be split at it (or a table cell joined over it) after
its text was read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lxml import etree

from documents.dates import published_in
from documents.encoding import decode_page
from documents.errors import ExtractionError
from documents.html_tables import BREAK as _BREAK
from documents.html_tables import grid, table_rows
from documents.model import Block, Document, Paragraph, Source, Table

_Element = etree._Element

# U+FDD0 is a Unicode noncharacter: it never occurs in a page, and libxml2 accepts it in text.

_BLOCK_TAGS = frozenset(
    (
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    )
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_NOISE_TAGS = frozenset(("nav", "header", "footer", "aside", "menu"))
_DROPPED_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button", "textarea", "input",
    "svg", "map",
)  # fmt: skip
# Class or id words of navigation, breadcrumbs, info bars, share/print bars and footers.
_NOISE_WORDS = ("nav", "menu", "crumb", "footer", "copyright", "share", "sidebar", "toolbar")
_NOISE_TOKENS = frozenset(
    (
        "foot", "head", "header", "top", "bottom", "position", "location", "dqwz", "print", "tool", "tools", "fx",
        "fenxiang", "info", "article-info", "xxgk-info", "xxgk_info", "page", "pages", "pagination", "pager",
        "related", "xgwz", "comment", "comments", "search", "login", "logo", "skip",
    )
)  # fmt: skip

# Report containers of the common portal systems by id and by class, most specific first (lower rank). The generic
# class names (view, content) also name empty template boxes, so they must hold some text to count; "article" counts
# only inside Hanweb's #barrierfree_container.
_CONTAINER_IDS = {"zoom": 2, "Zoom": 2, "UCAP-CONTENT": 3}
_CONTAINER_CLASSES = {
    "TRS_Editor": 0, "TRS_UEDITOR": 1, "bt_content": 4, "main-txt": 5, "article": 6, "article-con": 7, "view": 8,
    "content": 9,
}  # fmt: skip
_GENERIC_RANK = 8
_HANWEB_ARTICLE_RANK = 6
# 开普云 UCAP wraps the article body in its own element, <ucapcontent>.
_CONTAINER_ELEMENTS = {"ucapcontent": 3}
# Then td (old Hanweb: <td id="zoom" class="bt_content">).
_CONTAINER_TAGS = ("div", "article", "section", "main", *_CONTAINER_ELEMENTS)
_MIN_CONTENT = 20  # characters: an empty template container is not the report
# A class or id value none of these is part of (lower-cased) holds no noise token and no noise word.
_NOISE_HINT = re.compile("|".join(re.escape(word) for word in sorted(set(_NOISE_WORDS) | _NOISE_TOKENS)))

_TITLE_CLASS = re.compile(r"[a-z]*[-_]?(?:title|tit|bt|biaoti)\d*")
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|—+|\s[-–]\s)\s*")
_LOOKS_LIKE_HTML = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|meta|title|div|p|table|span|br)\b", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")  # zero-width space, stray BOMs: they split words invisibly
_MAGIC = (
    (b"%PDF", "PDF 文件"),
    (b"PK\x03\x04", "压缩包或 Word/Excel（docx/xlsx）文件"),
    (b"\xd0\xcf\x11\xe0", "Word/Excel/WPS（doc/xls/wps）文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"{\\rtf", "RTF 文件"),
)
# A damaged page loses a character here and there; a page in an unknown encoding loses a good share of them.
_MAX_REPLACED = 0.005
_FEW_REPLACED = 16
#: Largest web page read. Its parsed tree takes some 45 times its size in memory (a 19 MB page peaked at 870 MB);
#: a report page is a few hundred KB, and the few-MB pages are sites' inline images, not text.
MAX_HTML_BYTES = 5 * 1024 * 1024

# One parser for every page, with lxml's plain elements: lxml.html's element classes cost a Python class lookup for
# every element the walks below touch, and nothing here uses their methods. lxml serialises the threads that share
# a parser.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)


def extract_html(data: bytes, *, content_type: str | None = None) -> Document:
    """Turn the bytes of a web page into a Document (format ``"html"``).

    ``content_type`` is the HTTP ``Content-Type`` header, if known: its charset is one of the encoding hints.
    ``meta`` holds the page's ``<meta name>`` tags with lower-cased names, ``title`` (the ``<title>`` text) and
    ``published_text`` (the date after a visible 发布时间/发布日期/公开日期 label, as written). The blocks are the
    report body in reading order, without the site's navigation, header, footer and share bars; the article title
    comes first as a level-1 heading. Raises ExtractionError when the bytes are not a web page, cannot be decoded
    or are more than :data:`MAX_HTML_BYTES`.
    """
    root = _parse(data, content_type)
    meta, meta_elements = _read_meta(root)
    etree.strip_elements(root, *_DROPPED_TAGS, with_tail=False)
    body = root.find("body")
    if body is None:
        body = root
    for br in root.iter("br"):
        br.tail = _BREAK + (br.tail or "")
    content = _find_content(body)
    published = _published(content, body)
    if published:
        meta["published_text"] = published
    tree = root.getroottree()
    walker = _Walker(tree.getpath(content))
    walker.walk(content, walker.root_path)
    blocks = walker.blocks
    title = _article_title(tree, content, meta, meta_elements)
    if title is not None and not _starts_with(blocks, title.text):
        blocks.insert(0, title)
    return Document(blocks=tuple(blocks), format="html", meta=meta)


def _published(content: _Element, body: _Element) -> str | None:
    """The date after a 发布时间/发布日期/公开日期 label: the one nearest the content first (lists of other articles
    in a sidebar carry dates too), else the first on the page."""
    element: _Element | None = content
    for _ in range(3):
        element = element.getparent() if element is not None else None
        if element is None or element is body:
            break
        found = published_in(_text(element))
        if found:
            return found
    return published_in(_text(body))


def _parse(data: bytes, content_type: str | None) -> _Element:
    """Decode and parse the page, or say in Chinese why it is not a readable web page."""
    if not data or data.isspace():
        raise ExtractionError("文件为空，没有可读取的内容")
    if len(data) > MAX_HTML_BYTES:
        raise ExtractionError(
            f"网页过大（{len(data) / 1048576:.1f} MB，网页上限 {MAX_HTML_BYTES // 1048576} MB），未读取；请改用 PDF 等格式的报告"
        )
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ExtractionError(f"文件不是网页，而是{kind}")
    text, _ = decode_page(data, content_type)
    if "\ufffd" in text and text.count("\ufffd") > max(_MAX_REPLACED * len(text), _FEW_REPLACED):
        raise ExtractionError("无法识别网页的文字编码，内容无法正确读取")
    if "\x00" in text[:4096] or not _LOOKS_LIKE_HTML.search(text):
        raise ExtractionError("文件不是网页（HTML），无法按网页读取")
    if "\u200b" in text or "\ufeff" in text:
        text = text.translate(_INVISIBLE)
    if text.lstrip().startswith("<?xml"):  # lxml refuses a str that declares an encoding
        text = _XML_DECLARATION.sub("", text, count=1)
    root = etree.fromstring(text, _PARSER)
    if root is None:
        raise ExtractionError("网页内容为空或无法解析")
    return root


def _read_meta(root: _Element) -> tuple[dict[str, str], dict[str, _Element]]:
    """The ``<meta name=… content=…>`` tags (first one wins) with lower-cased names, and ``<title>``."""
    meta: dict[str, str] = {}
    elements: dict[str, _Element] = {}
    for element in root.iter("meta"):
        name = element.get("name")
        content = element.get("content")
        if name and content is not None:
            key = name.strip().lower()
            if key and key not in meta:
                meta[key] = " ".join(content.split())
                elements[key] = element
    title = root.find(".//title")
    if title is not None:
        text = _text(title)
        if text:
            meta["title"] = text
            elements["title"] = title
    return meta, elements


def _text(element: _Element) -> str:
    """The element's text with whitespace collapsed and line breaks read as spaces."""
    raw = _raw_text(element)
    if _BREAK in raw:
        raw = raw.replace(_BREAK, " ")
    return " ".join(raw.split())


def _raw_text(element: _Element) -> str:
    """The element's text as written, its descendants' included, its own tail not."""
    if len(element) == 0:
        return element.text or ""
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _is_noise(element: _Element) -> bool:
    """Navigation, header, footer, breadcrumb, info/share/print bars, hidden elements."""
    if element.tag in _NOISE_TAGS:
        return True
    names = element.keys()  # one call into lxml; most elements have no attribute read below
    if not names:
        return False
    if "style" in names:
        style = element.get("style")
        if style and "none" in style and "display:none" in style.replace(" ", "").lower():
            return True
    if "hidden" in names:
        return True
    for name in ("class", "id"):
        if name in names:
            value = element.get(name)
            if value and _NOISE_HINT.search(lowered := value.lower()):
                for token in lowered.split():
                    if token in _NOISE_TOKENS or any(word in token for word in _NOISE_WORDS):
                        return True
    return False


def _find_content(body: _Element) -> _Element:
    """The element holding the report: a known container of a portal system, else the densest text block."""
    for tags in (_CONTAINER_TAGS, ("td",)):
        found = _known_container(body.iter(*tags))
        if found is not None:
            return found
    return _densest(body)


def _known_container(elements: Iterable[_Element]) -> _Element | None:
    ranked: dict[int, list[_Element]] = {}
    for element in elements:
        rank = _container_rank(element)
        if rank is not None:
            ranked.setdefault(rank, []).append(element)
    for rank in sorted(ranked):
        found = ranked[rank]
        if rank == _HANWEB_ARTICLE_RANK:
            found = [el for el in found if any(a.get("id") == "barrierfree_container" for a in el.iterancestors())]
        if not found:
            continue
        # Nested matches: the outer one holds at least as much text and comes first, so max() keeps it.
        sizes = {element: len(_text(element)) for element in found}
        best = max(sizes, key=lambda element: sizes[element])
        if rank < _GENERIC_RANK:
            if sizes[best] or len(best):  # a scanned report is an image in the container: still the report
                return best
        elif sizes[best] >= _MIN_CONTENT or best.find(".//table") is not None:
            return best
    return None


def _container_rank(element: _Element) -> int | None:
    rank = _CONTAINER_IDS.get(element.get("id") or "", _CONTAINER_ELEMENTS.get(str(element.tag)))
    classes = element.get("class")
    if classes:
        for name in classes.split():
            found = _CONTAINER_CLASSES.get(name)
            if found is not None and (rank is None or found < rank):
                rank = found
    return rank


def _densest(body: _Element) -> _Element:
    """The block that directly holds the most text (half of it counts for the grandparent), outside boilerplate."""
    scores: dict[_Element, float] = {}
    block_tags = _BLOCK_TAGS

    def credit(block: _Element, amount: int) -> None:
        container = block.getparent() if block.tag in ("p", "li", "pre", "dt", "dd") or block.tag in _HEADINGS else block
        if container is None:
            return
        scores[container] = scores.get(container, 0.0) + amount
        grandparent = container.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + amount / 2

    def visit(element: _Element, block: _Element) -> None:
        text = element.text
        own = len(text.strip()) if text else 0
        for child in element:
            if not _is_noise(child):
                child_block = child if child.tag in block_tags else block
                if len(child):
                    visit(child, child_block)
                elif (text := child.text) and (length := len(text.strip())):
                    credit(child_block, length)  # a leaf, visited here: the same credit in the same order
            if tail := child.tail:
                own += len(tail.strip())
        if own:
            credit(block, own)

    visit(body, body)
    if not scores:
        return body
    return max(scores, key=lambda el: scores[el])


class _Walker:
    """Emits the blocks under a content root in reading order."""

    def __init__(self, root_path: str) -> None:
        self.root_path = root_path
        self.blocks: list[Block] = []

    def walk(self, element: _Element, path: str) -> None:
        """Emit the content of a block element whose children may be blocks or inline runs."""
        heading = _HEADINGS.get(str(element.tag), 0)
        list_item = element.tag == "li"
        run: list[str] = [element.text or ""]
        seen: dict[str, int] = {}
        for child in element:
            tag = child.tag  # always a name: the parser drops comments and processing instructions
            index = seen[tag] = seen.get(tag, 0) + 1
            if tag in _BLOCK_TAGS or (len(child) and _has_block(child)):
                self._paragraphs(run, path, heading, list_item)
                run = []
                if not _is_noise(child):
                    self._block(child, f"{path}/{tag}[{index}]")
                run.append(child.tail or "")
            else:
                run.append(etree.tostring(child, method="text", encoding=str, with_tail=True))
        self._paragraphs(run, path, heading, list_item)

    def _block(self, element: _Element, path: str) -> None:
        if element.tag == "table":
            self._table(element, path)
        elif len(element) == 0 or not _has_block(element):
            self._paragraphs((_raw_text(element),), path, _HEADINGS.get(str(element.tag), 0), element.tag == "li")
        else:
            self.walk(element, path)

    def _paragraphs(self, run: Iterable[str], path: str, heading: int, list_item: bool) -> None:
        """One paragraph per line of the run (lines end at ``<br>``), whitespace collapsed, empty ones dropped."""
        text = "".join(run)
        if not text or text.isspace():
            return
        source = Source(path=path)
        for line in text.split(_BREAK):
            clean = " ".join(line.split())
            if clean:
                self.blocks.append(Paragraph(clean, source, heading=heading, list_item=list_item))

    def _table(self, table: _Element, path: str) -> None:
        rows = table_rows(table, path)
        if not rows:
            return
        if (len(rows) == 1 and len(rows[0][1]) == 1) or next(table.iterdescendants("table"), None) is not None:
            self.walk(table, path)  # a layout table: its cells are containers, not data
            return
        caption = table.find("caption")
        if caption is not None:
            self._paragraphs((_text(caption),), f"{path}/caption[1]", 0, False)
        self.blocks.append(Table(rows=grid(rows), source=Source(path=path)))


def _has_block(element: _Element) -> bool:
    # A Python loop: iterdescendants(*tags) spends microseconds compiling its 47-name filter on every call, while
    # the first descendant of a container is almost always a block and that of a paragraph an inline run.
    return any(descendant.tag in _BLOCK_TAGS for descendant in element.iterdescendants())


def _article_title(
    tree: etree._ElementTree,
    content: _Element,
    meta: Mapping[str, str],
    elements: Mapping[str, _Element],
) -> Paragraph | None:
    """The page's article title: a heading or title element just before the content, else the meta tags."""
    element = _title_element(content, meta.get("sitename", ""))
    if element is not None:
        return Paragraph(_text(element), Source(path=tree.getpath(element)), heading=1)
    if meta.get("articletitle"):
        return Paragraph(meta["articletitle"], Source(path=tree.getpath(elements["articletitle"])), heading=1)
    if meta.get("title"):
        title = _strip_site(meta["title"], meta)
        if title:
            return Paragraph(title, Source(path=tree.getpath(elements["title"])), heading=1)
    return None


def _title_element(content: _Element, site_name: str) -> _Element | None:
    """The last h1 (else h2, else title-classed element) before the content, within four levels above it."""
    ancestor = content
    for _ in range(4):
        parent = ancestor.getparent()
        if parent is None:
            return None
        ancestor = parent
        ranked: dict[int, _Element] = {}
        for element in ancestor.iter():
            if element is content:
                break
            rank = _title_rank(element)
            if rank and 4 <= len(text := _text(element)) <= 150 and text != site_name and not _in_noise(element, ancestor):
                ranked[rank] = element
        if ranked:
            return ranked[min(ranked)]
    return None


def _title_rank(element: _Element) -> int:
    tag = element.tag
    if tag == "h1":
        return 1
    if tag == "h2":
        return 2
    for name in ("class", "id"):
        value = element.get(name)
        if value:
            for token in value.lower().split():
                if "sub" not in token and "site" not in token and _TITLE_CLASS.fullmatch(token):
                    return 3
    return 0


def _in_noise(element: _Element, stop: _Element) -> bool:
    current: _Element | None = element
    while current is not None and current is not stop:
        if _is_noise(current):
            return True
        current = current.getparent()
    return False


def _strip_site(title: str, meta: Mapping[str, str]) -> str:
    """``<title>`` without the site and column names portals append ("标题_某某县人民政府")."""
    names = {meta.get("sitename", ""), meta.get("columnname", "")} - {""}
    parts = [part for part in _TITLE_SEPARATORS.split(title) if part and part not in names]
    return max(parts, key=len) if parts else ""


def _starts_with(blocks: list[Block], title: str) -> bool:
    """Whether the body's first paragraphs already read as the title (whitespace ignored: titles split in two)."""
    wanted = "".join(title.split())
    seen = ""
    for block in blocks:
        if not isinstance(block, Paragraph):
            break
        seen += "".join(block.text.split())
        if len(seen) >= len(wanted):
            break
    return seen.startswith(wanted)
