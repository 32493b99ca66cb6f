"""The demo county portal (演示县人民政府) as a static site in a folder, generated from the seed reports.

Each body has a 年报 column of its own under the county's 年报 column, whose list runs over two pages. What the
site demonstrates, body by body (see :data:`BODIES` and :data:`PUBLICATIONS`):

| body | published as | publication date (source) |
|---|---|---|
| 次营镇 | HTML article, UTF-8, PubDate meta tag; the one the "edit after publication" hook changes | 2026-01-20 (PubDate) |
| 大峪镇 | a short article with a DOCX attachment, no date on the page | 2026-01-23 (url: t20260123_…) |
| 西坪镇 | a short article with a PDF attachment, no date anywhere | the day first seen (first_seen) |
| 焦虎镇 | HTML article served as GBK, only a visible 发布时间 | 2026-01-16 (visible) |
| 七里营镇 | HTML article published after the 31 January deadline | 2026-02-10 (PubDate) |
| 县审计局 | nothing: its column lists only its 信息公开指南 | — |

The county column also lists a notice about the reports (not a report). In the Hanweb style the same reports sit
in Hanweb column pages (the first group of records in ``<script type="text/xml">``, the rest answered by
``dataproxy.jsp`` to a POST of the jpage form, an empty datastore to a GET), every article page is GBK with a
PubDate meta tag, and attachments are served by ``downfile.jsp?filename=…``.

Files are written only when their bytes change, and keep their modification time otherwise: an untouched page
keeps its ETag and Last-Modified, so it answers 304.
"""

from __future__ import annotations

import os
import posixpath
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from crawler.demo_portal import pages
from crawler.demo_portal.files import docx_bytes, pdf_bytes
from crawler.demo_portal.markup import Line, body_html, read_seed, title_of

CST = timezone(timedelta(hours=8))
MAIN_COLUMN = "/zwgk/zfxxgknb/"
HANWEB_COLUMN = "/col/col1003/index.html"
PER_PAGE = 4
NOTICE_TITLE = "关于做好2025年度政府信息公开工作年度报告编制发布工作的通知"
NOTICE_ROUTE = "/zwgk/tzgg/202601/t20260106_1000.html"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xml": "text/xml; charset=UTF-8",
    ".txt": "text/plain; charset=utf-8",
}
GBK_HTML = "text/html; charset=GBK"


@dataclass(frozen=True)
class DemoBody:
    """A body registered in the demo configuration."""

    id: str
    name: str
    aliases: tuple[str, ...]
    type: str
    short: str  # how the column menu names it


BODIES = (
    DemoBody("ciying", "次营镇人民政府", ("次营镇",), "town", "次营镇"),
    DemoBody("dayu", "大峪镇人民政府", ("大峪镇",), "town", "大峪镇"),
    DemoBody("xiping", "西坪镇人民政府", ("西坪镇",), "town", "西坪镇"),
    DemoBody("jiaohu", "焦虎镇人民政府", ("焦虎镇",), "town", "焦虎镇"),
    DemoBody("qiliying", "七里营镇人民政府", ("七里营镇", "新乡县七里营镇"), "town", "七里营镇"),
    DemoBody("shenji", "演示县审计局", ("县审计局",), "department", "县审计局"),
)


@dataclass
class Publication:
    """A report on the demo portal and how it is published (TRS routes; the Hanweb ones are derived)."""

    body_id: str
    seed: str
    page: str  # TRS article route
    list_date: str  # the date the lists show
    pubdate: str | None  # <meta name="PubDate">
    visible: str | None  # 发布时间 on the page
    encoding: str = "utf-8"
    attachment: str | None = None  # TRS route of a PDF/DOCX attachment
    expected_source: str = "PubDate"
    title: str | None = None  # default: the seed's own title
    edits: int = 0
    attachment_edits: int = 0
    number: int = field(default=0)


PUBLICATIONS = (
    Publication("qiliying", "004", "/zwgk/zfxxgknb/qiliying/202602/t20260210_1005.html", "2026-02-10", "2026-02-10 09:00",
                "2026-02-10 09:00"),
    Publication("dayu", "001", "/zwgk/zfxxgknb/dayu/202601/t20260123_1002.html", "2026-01-23", None, None,
                attachment="/zwgk/zfxxgknb/dayu/202601/P020260123384756291847.docx", expected_source="url"),
    Publication("ciying", "000", "/zwgk/zfxxgknb/ciying/202601/t20260120_1001.html", "2026-01-20", "2026-01-20 10:00",
                "2026-01-20 10:00"),
    Publication("xiping", "002", "/zwgk/zfxxgknb/xiping/content_1003.html", "2026-01-19", None, None,
                attachment="/zwgk/zfxxgknb/xiping/W020260119_1003.pdf", expected_source="first_seen"),
    Publication("jiaohu", "003", "/zwgk/zfxxgknb/jiaohu/content_1004.html", "2026-01-16", None, "2026-01-16 09:30",
                encoding="gbk", expected_source="visible"),
)  # fmt: skip


def seed_text(number: str) -> str:
    """The text of a bundled seed report ("000" … "004")."""
    folder = resources.files("crawler.demo_portal") / "seeds"
    for item in folder.iterdir():
        if item.name.startswith(f"{number}_") and item.name.endswith(".txt"):
            return item.read_text(encoding="utf-8")
    raise KeyError(number)


def _correction(number: int) -> Line:
    return Line("para", f"（更正说明{number}：本报告发布后于2026年2月{4 + number}日更正了表二中的一处数字。）")


@dataclass(frozen=True)
class Resource:
    """A file of the site and the headers it is served with."""

    path: Path
    content_type: str
    cache_control: str | None = None


@dataclass(frozen=True)
class Answer:
    """What a site computes for a request that is not a file (a data proxy's POST, a JSON API): the bytes, their
    type and, when the answer carries validators (ETag, Last-Modified), the time it last changed."""

    data: bytes
    content_type: str
    modified: float | None = None


Form = tuple[tuple[str, str], ...]


class StaticSite:
    """A site's files in ``folder``: routes → files, written only when their bytes change (an untouched file keeps
    its modification time, hence its ETag and Last-Modified). Subclasses answer computed requests in :meth:`answer`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.routes: dict[str, Resource] = {}
        self.lock = threading.RLock()

    def resource(self, route: str) -> Resource | None:
        """The file served at ``route`` (a folder route serves its index.html)."""
        with self.lock:
            found = self.routes.get(route)
            if found is None and route.endswith("/"):
                found = self.routes.get(route + "index.html")
            return found

    def answer(self, method: str, path: str, query: str, form: Form, host: str) -> Answer | None:
        """The computed answer to a request no file serves (None: there is none, 404). ``form`` holds a POST's
        fields, ``host`` the Host header (for absolute addresses in the answer)."""
        return None

    def _file(self, route: str) -> Path:
        path, _, query = route.partition("?")
        relative = path.lstrip("/") or "index.html"
        if relative.endswith("/"):
            relative += "index.html"
        if query:
            relative += "@" + quote(query, safe="")
        return self.folder / relative

    def write(
        self, route: str, data: bytes, content_type: str, *, when: datetime | None = None, cache: str | None = None
    ) -> bool:
        """Publish ``data`` at ``route``; an unchanged file keeps its modification time. True when it changed."""
        with self.lock:
            target = self._file(route)
            changed = not target.exists() or target.read_bytes() != data
            if changed:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                stamp = (when or datetime.now(CST)).timestamp()
                os.utime(target, (stamp, stamp))
            self.routes[route] = Resource(target, content_type, cache)
            return changed


@dataclass(frozen=True)
class ExpectedDocument:
    """What a crawl of the demo portal must find: one document and its facts."""

    route: str
    body_id: str
    year: int
    published_on: str | None  # ISO date; None for first_seen (the day of the crawl)
    published_from: str
    kind: str  # page | pdf | docx


class DemoSite(StaticSite):
    """The demo portal's files in ``folder``, in ``style`` "trs" or "hanweb"."""

    def __init__(self, folder: Path, style: str = "trs") -> None:
        if style not in ("trs", "hanweb"):
            raise ValueError(f"style must be 'trs' or 'hanweb', not {style!r}")
        super().__init__(folder)
        self.style = style
        self.publications = [replace(p, number=i) for i, p in enumerate(PUBLICATIONS)]
        self.proxy_groups: dict[tuple[str, str], list[pages.ListItem]] = {}  # (columnid, unitid) → Hanweb records
        self.lists_changed = datetime(2026, 1, 1, tzinfo=CST).timestamp()

    # ---------------------------------------------------------------------------------------------- routes

    def column_url(self, body_id: str | None = None) -> str:
        """The route of the county's 年报 column, or of a body's own column."""
        if self.style == "hanweb":
            if body_id is None:
                return HANWEB_COLUMN
            return f"/col/col{1010 + [b.id for b in BODIES].index(body_id)}/index.html"
        return MAIN_COLUMN if body_id is None else f"{MAIN_COLUMN}{body_id}/"

    def page_route(self, publication: Publication) -> str:
        """Where the article page of ``publication`` is."""
        if self.style == "trs":
            return publication.page
        year, month, day = (int(x) for x in publication.list_date.split("-"))
        return f"/art/{year}/{month}/{day}/art_1003_{2001 + publication.number}.html"

    def attachment_route(self, publication: Publication) -> str | None:
        """Where the attachment of ``publication`` is (None without one)."""
        if publication.attachment is None or self.style == "trs":
            return publication.attachment
        stamp = publication.list_date.replace("-", "")[2:] + f"{1000001 + publication.number}"
        return f"/module/download/downfile.jsp?classid=0&filename={stamp}{Path(publication.attachment).suffix}"

    # ---------------------------------------------------------------------------------------------- content

    def title(self, publication: Publication) -> str:
        """The report's title (as the seed gives it, or the one it was added with)."""
        return publication.title or title_of(read_seed(seed_text(publication.seed)))

    def _blocks(self, publication: Publication, edits: int) -> list[Line]:
        blocks = read_seed(seed_text(publication.seed))
        if publication.title:  # a report added by a hook: the seed's text under another body's title
            start = next(i for i, b in enumerate(blocks) if "年度报告" in b.text) + 1
            blocks = [Line("heading", publication.title, level=1), *blocks[start:]]
        return blocks + [_correction(n) for n in range(1, edits + 1)]

    def _body(self, body_id: str) -> DemoBody:
        return next(b for b in BODIES if b.id == body_id)

    def _when(self, publication: Publication) -> datetime:
        return datetime.fromisoformat(publication.list_date).replace(hour=10, tzinfo=CST)

    def _render_publication(self, publication: Publication) -> None:
        body = self._body(publication.body_id)
        title = self.title(publication)
        stamp = self._when(publication) if publication.edits == 0 else None
        attachment = self.attachment_route(publication)
        files: list[tuple[str, str]] = []
        if attachment is not None and publication.attachment is not None:
            suffix = Path(publication.attachment).suffix
            blocks = self._blocks(publication, publication.attachment_edits)
            data = docx_bytes(blocks) if suffix == ".docx" else pdf_bytes(title, blocks)
            when = self._when(publication) if publication.attachment_edits == 0 else None
            self.write(attachment, data, TYPES[suffix], when=when)
            files.append((posixpath.basename(attachment) if self.style == "trs" else attachment, f"{title}{suffix}"))
            report = f'<p style="text-indent:2em;">{title}全文详见附件。</p>'
            notes = [_correction(n).text for n in range(1, publication.edits + 1)]
            report += "".join(f'<p style="text-indent:2em;">{note}</p>' for note in notes)
        else:
            report = body_html(self._blocks(publication, publication.edits), self.style)
        route = self.page_route(publication)
        if self.style == "hanweb":
            page = pages.hanweb_article(
                title, report, source=body.name, published=f"{publication.list_date} 10:00", attachments=files,
                column_href=self.column_url(body.id),
            )  # fmt: skip
            self.write(route, page.encode("gbk"), GBK_HTML, when=stamp)
            return
        charset = "gb2312" if publication.encoding == "gbk" else "utf-8"
        page = pages.trs_article(
            title, report, source=body.name, pubdate=publication.pubdate, visible_date=publication.visible, attachments=files,
            charset=charset, crumb=(self.column_url(body.id), body.short),
        )  # fmt: skip
        data = page.encode("gbk") if publication.encoding == "gbk" else page.encode("utf-8")
        self.write(route, data, GBK_HTML if publication.encoding == "gbk" else TYPES[".html"], when=stamp)

    def _items(self, body_id: str | None) -> list[pages.ListItem]:
        chosen = [p for p in self.publications if body_id is None or p.body_id == body_id]
        chosen.sort(key=lambda p: p.list_date, reverse=True)
        column = self.column_url(body_id)
        items = []
        for publication in chosen:
            route = self.page_route(publication)
            href = route if self.style == "hanweb" else "./" + posixpath.relpath(route, column)
            items.append(pages.ListItem(href, self.title(publication), publication.list_date))
        if body_id is None:
            items.append(pages.ListItem(NOTICE_ROUTE, NOTICE_TITLE, "2026-01-06"))
        if body_id == "shenji":
            items.append(pages.ListItem(self._guide_route(), "演示县审计局政府信息公开指南", "2026-01-05"))
        return items

    def _guide_route(self) -> str:
        return "/zwgk/zfxxgknb/shenji/202601/t20260105_1006.html" if self.style == "trs" else "/art/2026/1/5/art_1016_3001.html"

    def _menu(self) -> list[pages.MenuLink]:
        out = []
        for index, body in enumerate(BODIES):
            group = "乡镇（街道）" if index == 0 else ("县直部门" if body.type == "department" else "")
            out.append(pages.MenuLink(self.column_url(body.id), body.short, group))
        return out

    def _render_columns(self) -> None:
        newest = max(self._when(p) for p in self.publications)
        for body_id in (None, *(b.id for b in BODIES)):
            items = self._items(body_id)
            name = pages.COLUMN_NAME if body_id is None else f"{self._body(body_id).short}{pages.COLUMN_NAME}"
            column = self.column_url(body_id)
            if self.style == "hanweb":
                self._render_hanweb_column(column, name, items, newest)
                continue
            count = max(1, -(-len(items) // PER_PAGE)) if body_id is None else 1
            for page in range(count):
                chunk = items[page * PER_PAGE : (page + 1) * PER_PAGE] if body_id is None else items
                html = pages.trs_column(name, chunk, self._menu(), page=page, pages=count)
                route = column + ("index.html" if page == 0 else f"index_{page}.html")
                self.write(route, html.encode("utf-8"), TYPES[".html"], when=newest, cache="no-cache")

    def _jpage(self, column: str) -> pages.JPage:
        """The jpage list of a Hanweb column: five records a page, one page a group. The county column's page holds
        the five reports; its sixth record (the notice) is only answered by the data proxy to the POST."""
        number = int(column.split("/col/col", 1)[1].split("/", 1)[0])
        unit = "4418" if number == 1003 else str(4400 + number)
        return pages.JPage(unit, number, per_page=5, group_size=1)

    def _render_hanweb_column(self, column: str, name: str, items: list[pages.ListItem], newest: datetime) -> None:
        jpage = self._jpage(column)
        html = pages.hanweb_column(name, jpage, items, self._menu())
        self.write(column, html.encode("gbk"), GBK_HTML, when=newest)
        self.proxy_groups[(str(jpage.columnid), jpage.unitid)] = list(items)
        self.lists_changed = newest.timestamp()

    def answer(self, method: str, path: str, query: str, form: Form, host: str) -> Answer | None:
        """The Hanweb style's data proxy: the records of a column to a POST with its jpage form, else none."""
        if self.style != "hanweb" or path != pages.JPage("", 0).proxy:
            return None
        with self.lock:
            text = pages.hanweb_proxy_answer(method, query, form, self.proxy_groups)
            return Answer(text.encode("utf-8"), TYPES[".xml"], self.lists_changed)

    def build(self) -> None:
        """Write the whole site."""
        with self.lock:
            new_year = datetime(2026, 1, 1, tzinfo=CST)
            self.write("/robots.txt", pages.ROBOTS.encode(), TYPES[".txt"], when=new_year)
            self.write("/index.html", pages.home_page(self.column_url()).encode(), TYPES[".html"], when=new_year)
            for publication in self.publications:
                self._render_publication(publication)
            guide = pages.trs_article(
                "演示县审计局政府信息公开指南", "<p>本指南介绍演示县审计局政府信息公开的方式和途径。</p>", source="演示县审计局",
                pubdate="2026-01-05 09:00", visible_date="2026-01-05 09:00",
            )  # fmt: skip
            when = datetime(2026, 1, 5, 9, tzinfo=CST)
            self.write(self._guide_route(), guide.encode("utf-8"), TYPES[".html"], when=when)
            text = "<p>各乡镇人民政府，县直各单位：请按时编制并发布年度报告。</p>"
            notice = pages.trs_article(
                NOTICE_TITLE, text, source="县政府办公室", pubdate="2026-01-06 09:30", visible_date="2026-01-06 09:30"
            )
            self.write(NOTICE_ROUTE, notice.encode("utf-8"), TYPES[".html"], when=datetime(2026, 1, 6, 9, 30, tzinfo=CST))
            self._render_columns()

    # ---------------------------------------------------------------------------------------------- hooks

    def edit_report(self, body_id: str, part: str = "page") -> str:
        """Edit a report after publication (a correction note is added): its ``page`` or its ``attachment``.
        Only that file changes; returns its route."""
        with self.lock:
            publication = next(p for p in self.publications if p.body_id == body_id)
            if part == "attachment":
                if publication.attachment is None:
                    raise ValueError(f"{body_id} has no attachment")
                publication.attachment_edits += 1
                self._render_publication(publication)
                return self.attachment_route(publication) or ""
            publication.edits += 1
            self._render_publication(publication)
            return self.page_route(publication)

    def add_report(self, body_id: str, *, date: str = "2026-02-20", seed: str = "000") -> str:
        """Publish a new report for ``body_id`` (the seed's text under the body's title); the lists change.
        Returns the new page's route."""
        with self.lock:
            body = self._body(body_id)
            number = len(self.publications)
            compact = date.replace("-", "")
            publication = Publication(
                body_id, seed, f"{MAIN_COLUMN}{body_id}/{compact[:6]}/t{compact}_{1100 + number}.html", date, f"{date} 09:00",
                f"{date} 09:00", title=f"{body.name}2025年政府信息公开工作年度报告", number=number,
            )  # fmt: skip
            self.publications.append(publication)
            self._render_publication(publication)
            self._render_columns()
            return self.page_route(publication)

    def expected(self) -> list[ExpectedDocument]:
        """Every document a full crawl must find, with its body, year, date and date source."""
        out = []
        for publication in self.publications:
            hanweb = self.style == "hanweb"
            on = publication.list_date if hanweb or publication.expected_source != "first_seen" else None
            source = "PubDate" if hanweb or publication.title else publication.expected_source
            out.append(ExpectedDocument(self.page_route(publication), publication.body_id, 2025, on, source, "page"))
            attachment = self.attachment_route(publication)
            if attachment is not None and publication.attachment is not None:
                kind = Path(publication.attachment).suffix.lstrip(".")
                out.append(ExpectedDocument(attachment, publication.body_id, 2025, on, source, kind))
        return out
