"""One 年报 archive column per portal system, in that system's real markup, for the crawler's presets to be tested
against: :class:`SystemSite` ``(folder, system)`` with ``system`` one of :data:`SYSTEMS`.

The structure, scripts and paging parameters are those of real pages of each system (the excerpts and their
sources are collected in the project's portal research notes); the reports, bodies and numbers are ours.

- trs: column ``/zwgk/zfxxgknb/``, paged by ``createPageHTML(3, k, "index", "html")`` (``index.html``,
  ``index_1.html``, ``index_2.html``, 10 entries a page), links and their dates siblings in one
  ``<div class="list">``; dates from ``<meta name="PubDate">``, one article shows none (the list's date counts).
- hanweb: column ``/col/col1229/index.html`` holding 10 records (``perPage:5``, ``groupSize:2``); the rest only
  by POST to ``/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=5`` with the ``ajaxParam``
  form (a GET, a wrong column or unit: an empty datastore); GBK articles with a ``PubDate`` meta tag.
- gkmlpt: column ``/gkmlpt/index#2345``, entries from ``/gkmlpt/api/all/2345?page=N&sid=755123`` (JSON, 100 a
  page); ``first_publish_time`` (epoch seconds) is the publication instant, the page's 发布日期 its day in the
  county; ``date`` is the earlier 成文日期.
- ucap: column ``/yanshi/c100231/index.shtml``, one page; articles with a ``PubDate`` meta tag ("YYYY-MM-DD HH:MM").
- generic: column ``/xxgk/ndbg/list.html``, ``?page=2`` behind 下一页/尾页 links, dates in ``<td>`` cells; articles
  with a visible 发布时间, two without (the list's date counts).

TRS and Hanweb list 25 reports (five bodies × 2021–2025), the others 6 to 8; every column also lists entries that
are not reports (a 通知 about the reports, a 信息公开指南), which must not count. Each system has at least one report
with a PDF or DOCX attachment in its own convention (TRS ``./P020….pdf``, Hanweb ``/module/download/downfile.jsp?
classid=0&filename=….pdf``, gkmlpt ``/attachment/0/306/306724/….pdf`` via ``a.nfw-cms-attachment``).

Files are written only when their bytes change (an untouched page keeps its ETag and Last-Modified); the Hanweb
proxy and the gkmlpt API are computed per request, with validators from the time the lists last changed.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from crawler.demo_portal import pages, system_pages
from crawler.demo_portal.files import docx_bytes, pdf_bytes
from crawler.demo_portal.markup import Line, body_html, read_seed
from crawler.demo_portal.site import CST, GBK_HTML, TYPES, Answer, ExpectedDocument, Form, StaticSite, seed_text

SYSTEMS = ("trs", "hanweb", "gkmlpt", "ucap", "generic")
TRS_COLUMN = "/zwgk/zfxxgknb/"
TRS_PER_PAGE = 10
HANWEB_COLUMN = "/col/col1229/index.html"
HANWEB_JPAGE = pages.JPage("5732", 1229, webid=3, per_page=5, group_size=2)
GKMLPT_INDEX = "/gkmlpt/index"
GKMLPT_COLUMN_ID = 2345
GKMLPT_SID = "755123"
GKMLPT_PAGE_SIZE = 100
UCAP_COLUMN = "/yanshi/c100231/index.shtml"
GENERIC_COLUMN = "/xxgk/ndbg/list.html"
GENERIC_PER_PAGE = 5
NOTICE_TITLE = "关于做好2025年度政府信息公开工作年度报告编制发布工作的通知"
GUIDE_TITLE = "演示县人民政府政府信息公开指南"
_API = re.compile(r"^/gkmlpt/api/all/(\d+)$")


@dataclass(frozen=True)
class SystemBody:
    """A body publishing in the system columns: its id, full name, the name its report titles use, its aliases."""

    id: str
    name: str
    short: str
    aliases: tuple[str, ...]
    type: str


SYSTEM_BODIES = (
    SystemBody("chengguan", "演示县城关镇人民政府", "演示县城关镇", ("城关镇", "演示县城关镇"), "town"),
    SystemBody("xiguan", "演示县西关镇人民政府", "演示县西关镇", ("西关镇", "演示县西关镇"), "town"),
    SystemBody("dongling", "演示县东岭镇人民政府", "演示县东岭镇", ("东岭镇", "演示县东岭镇"), "town"),
    SystemBody("jiaoyu", "演示县教育局", "演示县教育局", ("县教育局",), "department"),
    SystemBody("caizheng", "演示县财政局", "演示县财政局", ("县财政局",), "department"),
)


@dataclass
class ColumnEntry:
    """An entry of a system column: a report (``body_id`` and ``year`` set) or something else listed beside the
    reports (a notice, a guide). ``page_date`` False: the article page shows no date (only the list does)."""

    number: int
    title: str
    published: datetime
    body_id: str | None = None
    year: int | None = None
    attachment: str | None = None  # "pdf" | "docx"
    page_date: bool = True
    seed: str | None = None
    edits: int = 0

    @property
    def is_report(self) -> bool:
        """True for a 年度报告 (what a crawl must find)."""
        return self.year is not None


def _body(body_id: str) -> SystemBody:
    return next(b for b in SYSTEM_BODIES if b.id == body_id)


def report_title(body_id: str, year: int) -> str:
    """The title of a body's report for ``year``: "演示县城关镇2024年政府信息公开工作年度报告"."""
    return f"{_body(body_id).short}{year}年政府信息公开工作年度报告"


def report_blocks(title: str, body: SystemBody, year: int, number: int) -> list[Line]:
    """A short report in the national format's six parts, with numbers that differ from report to report."""
    made, changed, requests = 20 + number * 7 % 40, 3 + number % 5, number % 6
    return [
        Line("heading", title, level=1),
        Line(
            "para",
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
            f"要求编制。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        ),
        Line("heading", "一、总体情况", level=2),
        Line("para", f"{year}年，{body.name}坚持以公开为常态、不公开为例外，全年主动公开政府信息{made + 40}条。"),
        Line("heading", "二、主动公开政府信息情况", level=2),
        Line("para", f"本年制发规章0件，制作规范性文件{changed}件，现行有效规范性文件{made}件。"),
        Line("heading", "三、收到和处理政府信息公开申请情况", level=2),
        Line("para", f"本年新收政府信息公开申请{requests}件，均已按期答复。"),
        Line("heading", "四、政府信息公开行政复议、行政诉讼情况", level=2),
        Line("para", "本年未发生因政府信息公开引起的行政复议、行政诉讼。"),
        Line("heading", "五、存在的主要问题及改进情况", level=2),
        Line("para", "公开内容的及时性还需提高。下一步将加强培训，规范发布流程。"),
        Line("heading", "六、其他需要报告的事项", level=2),
        Line("para", "本年度未收取信息处理费。"),
    ]


def _at(day: str, clock: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=CST)


def _plan(system: str) -> list[ColumnEntry]:
    """The entries of a system's column: reports, then the entries that are not reports."""
    out: list[ColumnEntry] = []

    def report(body_id: str, year: int, day: str, clock: str = "09:30", **options: Any) -> None:
        out.append(ColumnEntry(len(out), report_title(body_id, year), _at(day, clock), body_id, year, **options))

    if system in ("trs", "hanweb"):
        for index, body in enumerate(SYSTEM_BODIES):
            for year in range(2021, 2026):
                options: dict[str, Any] = {}
                if (body.id, year) == ("xiguan", 2024):
                    options["attachment"] = "pdf"
                if (body.id, year) == ("jiaoyu", 2023):
                    options["attachment"] = "docx"
                if (body.id, year) == ("chengguan", 2025):
                    options["seed"] = "000"
                if (body.id, year) == ("dongling", 2025) and system == "trs":
                    options["page_date"] = False
                report(body.id, year, f"{year + 1}-01-{8 + 4 * index + year % 2:02d}", f"{9 + index:02d}:30", **options)
    elif system == "gkmlpt":
        for body_id in ("chengguan", "xiguan", "dongling"):
            for year in (2024, 2025):
                report(body_id, year, f"{year + 1}-01-{12 if body_id == 'chengguan' else 20}", "10:00")
        out[-1].attachment = "pdf"
        out[3].published = _at("2026-01-15", "07:30")  # 2026-01-14 in UTC: the day is the county's
        report("caizheng", 2025, "2026-01-27", "16:45")
    elif system == "ucap":
        for body_id in ("chengguan", "jiaoyu", "caizheng"):
            for year in (2024, 2025):
                report(body_id, year, f"{year + 1}-01-{14 if body_id == 'jiaoyu' else 22}", "17:18")
        out[1].attachment = "docx"
    else:
        for body_id in ("chengguan", "xiguan", "jiaoyu", "caizheng"):
            for year in (2024, 2025):
                report(body_id, year, f"{year + 1}-01-{10 if body_id in ('chengguan', 'jiaoyu') else 25}", "08:40")
        out[2].attachment = "pdf"
        out[1].page_date = out[6].page_date = False
    out.append(ColumnEntry(len(out), NOTICE_TITLE, _at("2026-01-06", "15:00")))
    if system != "gkmlpt":
        out.append(ColumnEntry(len(out), GUIDE_TITLE, _at("2025-03-15", "11:00")))
    return out


def _hex(system: str, number: int, salt: str = "") -> str:
    return hashlib.md5(f"{system}-{number}-{salt}".encode()).hexdigest()


class SystemSite(StaticSite):
    """The 年报 column of the demo county on one portal ``system`` (see :data:`SYSTEMS`), as files in ``folder``
    and computed answers (Hanweb's data proxy, gkmlpt's API)."""

    def __init__(self, folder: Path, system: str) -> None:
        if system not in SYSTEMS:
            raise ValueError(f"system must be one of {', '.join(SYSTEMS)}, not {system!r}")
        super().__init__(folder)
        self.system = system
        self.entries = _plan(system)
        self.lists_changed = self._newest().timestamp()
        self.proxy_groups: dict[tuple[str, str], list[pages.ListItem]] = {}

    # ---------------------------------------------------------------------------------------------- routes

    def column_url(self) -> str:
        """The column's address as an administrator would paste it (gkmlpt: the index with ``#column``)."""
        return {
            "trs": TRS_COLUMN,
            "hanweb": HANWEB_COLUMN,
            "gkmlpt": f"{GKMLPT_INDEX}#{GKMLPT_COLUMN_ID}",
            "ucap": UCAP_COLUMN,
            "generic": GENERIC_COLUMN,
        }[self.system]

    def post_id(self, entry: ColumnEntry) -> int:
        """The gkmlpt post id of an entry."""
        return 2234567 + entry.number * 7

    def page_route(self, entry: ColumnEntry) -> str:
        """Where the entry's article page is."""
        day = entry.published
        if self.system == "trs":
            return f"{TRS_COLUMN}{day:%Y%m}/t{day:%Y%m%d}_{5000 + entry.number}.html"
        if self.system == "hanweb":
            return f"/art/{day.year}/{day.month}/{day.day}/art_{HANWEB_JPAGE.columnid}_{6000 + entry.number}.html"
        if self.system == "gkmlpt":
            post = self.post_id(entry)
            return f"/gkmlpt/content/{post // 1000000}/{post // 1000}/post_{post}.html"
        if self.system == "ucap":
            return f"/yanshi/c100231/{day:%Y%m}/{_hex('ucap', entry.number)}.shtml"
        return f"/xxgk/ndbg/content_{7000 + entry.number}.html"

    def attachment_route(self, entry: ColumnEntry) -> str | None:
        """Where the entry's attachment is, in the system's convention (None without one)."""
        if entry.attachment is None:
            return None
        day, suffix = entry.published, entry.attachment
        if self.system == "trs":
            serial = int(_hex("trs", entry.number, "file")[:12], 16) % 10**12
            return f"{TRS_COLUMN}{day:%Y%m}/P0{day:%Y%m%d}{serial:012d}.{suffix}"
        if self.system == "hanweb":
            return f"/module/download/downfile.jsp?classid=0&filename={day:%y%m%d}{1000001 + entry.number}.{suffix}"
        if self.system == "gkmlpt":
            attachment = 306724 + entry.number
            return f"/attachment/0/{attachment // 1000}/{attachment}/{self.post_id(entry)}.{suffix}"
        if self.system == "ucap":
            return f"/yanshi/c100231/{day:%Y%m}/{_hex('ucap', entry.number)}/files/{_hex('ucap', entry.number, 'file')}.{suffix}"
        return f"/xxgk/ndbg/files/{7000 + entry.number}.{suffix}"

    # ---------------------------------------------------------------------------------------------- content

    def _newest(self) -> datetime:
        return max(e.published for e in self.entries)

    def _report_html(self, entry: ColumnEntry, style: str) -> str:
        if entry.body_id is None or entry.year is None:
            text = (
                "本指南介绍演示县政府信息公开的方式和途径。" if entry.title == GUIDE_TITLE else "请各单位按时编制并发布年度报告。"
            )
            return f'<p style="text-indent:2em;">{text}</p>'
        if entry.attachment is not None:
            return f'<p style="text-indent:2em;">{pages._e(entry.title)}全文详见附件。</p>'
        return body_html(self._blocks(entry), style)

    def _blocks(self, entry: ColumnEntry) -> list[Line]:
        assert entry.body_id is not None and entry.year is not None
        if entry.seed is not None:  # the seed's text under this body's title
            blocks = read_seed(seed_text(entry.seed))
            start = next(i for i, b in enumerate(blocks) if "年度报告" in b.text) + 1
            blocks = [Line("heading", entry.title, level=1), *blocks[start:]]
        else:
            blocks = report_blocks(entry.title, _body(entry.body_id), entry.year, entry.number)
        return blocks + [Line("para", f"（更正说明{n}：本报告发布后更正了一处数字。）") for n in range(1, entry.edits + 1)]

    def _source(self, entry: ColumnEntry) -> str:
        return _body(entry.body_id).name if entry.body_id else "演示县人民政府办公室"

    def _render_entry(self, entry: ColumnEntry) -> None:
        route = self.page_route(entry)
        when = entry.published if entry.edits == 0 else None
        files: list[tuple[str, str]] = []
        attachment = self.attachment_route(entry)
        if attachment is not None and entry.attachment is not None:
            blocks = self._blocks(entry)
            data = docx_bytes(blocks) if entry.attachment == "docx" else pdf_bytes(entry.title, blocks)
            self.write(attachment, data, TYPES[f".{entry.attachment}"], when=entry.published)
            href = "./" + posixpath.basename(attachment) if self.system == "trs" else attachment
            files.append((href, f"{entry.title}.{entry.attachment}"))
        source, stamp = self._source(entry), entry.published
        if self.system == "trs":
            pubdate = f"{stamp:%Y-%m-%d %H:%M:%S}" if entry.page_date else None
            page = pages.trs_article(
                entry.title, self._report_html(entry, "trs"), source=source, pubdate=pubdate,
                visible_date=f"{stamp:%Y-%m-%d %H:%M}" if entry.page_date else None, attachments=files,
            )  # fmt: skip
            self.write(route, page.encode("utf-8"), TYPES[".html"], when=when)
        elif self.system == "hanweb":
            page = pages.hanweb_article(
                entry.title, self._report_html(entry, "hanweb"), source=source, published=f"{stamp:%Y-%m-%d %H:%M}",
                attachments=files, column_href=HANWEB_COLUMN, column_name=pages.COLUMN_NAME,
                index_number=f"{pages.SITE_CODE}/{stamp.year}-{entry.number + 1:05d}",
                written=f"{stamp - timedelta(days=3):%Y-%m-%d}",
            )  # fmt: skip
            self.write(route, page.encode("gbk"), GBK_HTML, when=when)
        elif self.system == "gkmlpt":
            page = system_pages.gkmlpt_detail(
                sid=GKMLPT_SID, post_id=self.post_id(entry), title=entry.title, publisher=source,
                identifier=self._identifier(entry), written=self._written(entry).isoformat(),
                published=f"{stamp:%Y-%m-%d}", report_html=self._report_html(entry, "trs"), attachments=files,
            )  # fmt: skip
            self.write(route, page.encode("utf-8"), TYPES[".html"], when=when)
        elif self.system == "ucap":
            page = system_pages.ucap_article(
                entry.title, self._report_html(entry, "trs"), source=source, pubdate=f"{stamp:%Y-%m-%d %H:%M}",
                attachments=files, column=UCAP_COLUMN,
            )  # fmt: skip
            self.write(route, page.encode("utf-8"), TYPES[".html"], when=when)
        else:
            page = system_pages.generic_article(
                entry.title, self._report_html(entry, "trs"), source=source,
                published=f"{stamp:%Y-%m-%d}" if entry.page_date else None, attachments=files,
            )  # fmt: skip
            self.write(route, page.encode("utf-8"), TYPES[".html"], when=when)

    def _identifier(self, entry: ColumnEntry) -> str:
        return f"11440300MB2C91453G/{entry.published.year}-{entry.number + 1:05d}"

    def _written(self, entry: ColumnEntry) -> date:
        """The 成文日期: some days before publication."""
        return (entry.published - timedelta(days=5)).date()

    def listed(self) -> list[ColumnEntry]:
        """The column's entries, newest first, as its lists show them."""
        return sorted(self.entries, key=lambda e: (e.published, e.number), reverse=True)

    def _items(self, column: str) -> list[pages.ListItem]:
        out = []
        for entry in self.listed():
            route = self.page_route(entry)
            href = "./" + posixpath.relpath(route, column) if self.system == "trs" else route
            out.append(pages.ListItem(href, entry.title, f"{entry.published:%Y-%m-%d}"))
        return out

    def _render_lists(self) -> None:
        newest = self._newest()
        self.lists_changed = newest.timestamp()
        if self.system == "trs":
            items = self._items(TRS_COLUMN)
            count = -(-len(items) // TRS_PER_PAGE)
            for page in range(count):
                chunk = items[page * TRS_PER_PAGE : (page + 1) * TRS_PER_PAGE]
                html = system_pages.trs_sibling_column(chunk, page=page, pages=count)
                route = TRS_COLUMN + ("index.html" if page == 0 else f"index_{page}.html")
                self.write(route, html.encode("utf-8"), TYPES[".html"], when=newest, cache="no-cache")
        elif self.system == "hanweb":
            items = self._items(HANWEB_COLUMN)
            menu = [pages.MenuLink(HANWEB_COLUMN, pages.COLUMN_NAME)]
            html = pages.hanweb_column(pages.COLUMN_NAME, HANWEB_JPAGE, items, menu)
            self.write(HANWEB_COLUMN, html.encode("gbk"), GBK_HTML, when=newest, cache="no-cache")
            self.proxy_groups = {(str(HANWEB_JPAGE.columnid), HANWEB_JPAGE.unitid): items}
        elif self.system == "gkmlpt":
            html = system_pages.gkmlpt_index(GKMLPT_SID, self._tree(), 440399)
            self.write(GKMLPT_INDEX, html.encode("utf-8"), TYPES[".html"], when=newest, cache="no-cache")
        elif self.system == "ucap":
            html = system_pages.ucap_column(self._items(UCAP_COLUMN))
            self.write(UCAP_COLUMN, html.encode("utf-8"), TYPES[".html"], when=newest, cache="no-cache")
        else:
            items = self._items(GENERIC_COLUMN)
            count = -(-len(items) // GENERIC_PER_PAGE)
            for page in range(1, count + 1):
                chunk = items[(page - 1) * GENERIC_PER_PAGE : page * GENERIC_PER_PAGE]
                data = system_pages.generic_column(chunk, page=page, pages=count).encode("utf-8")
                routes = [f"{GENERIC_COLUMN}?page={page}"] + ([GENERIC_COLUMN] if page == 1 else [])
                for route in routes:
                    self.write(route, data, TYPES[".html"], when=newest, cache="no-cache")

    def _tree(self) -> list[dict[str, Any]]:
        def node(number: int, name: str, parent: int, count: int = 0, children: list[Any] | None = None) -> dict[str, Any]:
            return {"id": number, "name": name, "parent": parent, "post_count": count, "jump_url": "", "children": children or []}

        reports = node(GKMLPT_COLUMN_ID, pages.COLUMN_NAME, 2340, len(self.entries))
        public = node(
            2340,
            "政府信息公开",
            0,
            0,
            [node(2341, "政府信息公开指南", 2340, 1), node(2342, "政府信息公开制度", 2340, 2), reports],
        )
        return [node(2330, "机构职能", 0, 3), public, node(2350, "法规文件及其他文件", 0, 12)]

    def build(self) -> None:
        """Write the whole column: article pages, attachments, list pages."""
        with self.lock:
            self.write("/robots.txt", pages.ROBOTS.encode(), TYPES[".txt"], when=datetime(2026, 1, 1, tzinfo=CST))
            home = pages.home_page(self.column_url()).encode()
            self.write("/index.html", home, TYPES[".html"], when=datetime(2026, 1, 1, tzinfo=CST))
            for entry in self.entries:
                self._render_entry(entry)
            self._render_lists()

    # ---------------------------------------------------------------------------------------------- answers

    def answer(self, method: str, path: str, query: str, form: Form, host: str) -> Answer | None:
        """Hanweb's data proxy (records to a POST of the jpage form; an empty datastore otherwise) and gkmlpt's
        list API (JSON, 100 articles a page; none for a wrong ``sid`` or column)."""
        with self.lock:
            if self.system == "hanweb" and path == HANWEB_JPAGE.proxy:
                text = pages.hanweb_proxy_answer(method, query, form, self.proxy_groups)
                return Answer(text.encode("utf-8"), TYPES[".xml"], self.lists_changed)
            found = _API.match(path)
            if self.system == "gkmlpt" and found and method == "GET":
                data = self._api(int(found.group(1)), dict(parse_qsl(query)), host)
                return Answer(
                    json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8", self.lists_changed
                )
            return None

    def _api(self, column: int, query: dict[str, str], host: str) -> dict[str, Any]:
        try:
            page = max(1, int(query.get("page") or 1))  # page 0 answers as page 1
        except ValueError:
            page = 1
        offset = (page - 1) * GKMLPT_PAGE_SIZE
        if query.get("sid") != GKMLPT_SID or column != GKMLPT_COLUMN_ID:
            return {"classify": {}, "articles": [], "total": 0, "offset": offset}
        listed = self.listed()
        classify = {
            "id": GKMLPT_COLUMN_ID, "name": pages.COLUMN_NAME, "parent": 2340, "post_count": len(listed),
            "theme_count": len(listed), "jump_url": "",
        }  # fmt: skip
        site = f"http://{host}" if host else ""
        articles = [self._article(entry, site) for entry in listed[offset : offset + GKMLPT_PAGE_SIZE]]
        return {"classify": classify, "articles": articles, "total": len(listed), "offset": offset}

    def _article(self, entry: ColumnEntry, site: str) -> dict[str, Any]:
        written = datetime.combine(self._written(entry), datetime.min.time(), CST)
        attachments = []
        route = self.attachment_route(entry)
        if route is not None and entry.attachment is not None:
            mime = TYPES[f".{entry.attachment}"]
            size = self.routes[route].path.stat().st_size if route in self.routes else 0
            name = f"{entry.title}.{entry.attachment}"
            attachments.append(
                {
                    "id": 306724 + entry.number,
                    "name": name,
                    "type": entry.attachment,
                    "mime": mime,
                    "size": str(size),
                    "url": site + route,
                }
            )
        return {
            "id": self.post_id(entry),
            "title": entry.title,
            "date": int(written.timestamp()),
            "first_publish_time": int(entry.published.timestamp()),
            "publisher": self._source(entry),
            "classify_main_name": pages.COLUMN_NAME,
            "identifier": self._identifier(entry),
            "document_number": "",
            "type": "normal",
            "url": site + self.page_route(entry),
            "attachment": attachments,
        }

    # ---------------------------------------------------------------------------------------------- hooks

    def add_report(self, body_id: str, year: int = 2025, *, date: str = "2026-02-20", attachment: str | None = None) -> str:
        """Publish a new report of ``body_id`` for ``year`` on ``date`` (with a "pdf"/"docx" attachment when
        asked); the lists change. Returns the new article page's route."""
        with self.lock:
            entry = ColumnEntry(len(self.entries), report_title(body_id, year), _at(date, "09:00"), body_id, year, attachment)
            self.entries.append(entry)
            self._render_entry(entry)
            self._render_lists()
            return self.page_route(entry)

    def edit_report(self, body_id: str, year: int) -> str:
        """Edit a report after publication (a correction note is added to its page, or to its attachment when it
        has one); only that file changes. Returns the changed route."""
        with self.lock:
            entry = next(e for e in self.entries if (e.body_id, e.year) == (body_id, year))
            entry.edits += 1
            self._render_entry(entry)
            return self.attachment_route(entry) or self.page_route(entry)

    # ---------------------------------------------------------------------------------------------- expectations

    def date_source(self, entry: ColumnEntry) -> str:
        """Where a crawl must take the entry's publication date from: ``PubDate``, ``visible`` or ``list``."""
        if self.system in ("hanweb", "ucap"):
            return "PubDate"
        if self.system == "gkmlpt":
            return "visible"  # the 发布日期 of the page's table; the API's first_publish_time is the same day
        if not entry.page_date:
            return "list"
        return "PubDate" if self.system == "trs" else "visible"

    def expected(self) -> list[ExpectedDocument]:
        """Every report document of the column (article pages and attachments) with its body, year, publication
        date (ISO, the county's day) and where that date comes from; the entries that are not reports are not."""
        out = []
        for entry in self.entries:
            if entry.body_id is None or entry.year is None:
                continue
            day, source = f"{entry.published:%Y-%m-%d}", self.date_source(entry)
            out.append(ExpectedDocument(self.page_route(entry), entry.body_id, entry.year, day, source, "page"))
            attachment = self.attachment_route(entry)
            if attachment is not None and entry.attachment is not None:
                out.append(ExpectedDocument(attachment, entry.body_id, entry.year, day, source, entry.attachment))
        return out
