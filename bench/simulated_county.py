"""A simulated county portal for the service benchmark: 60 bodies, five years of reports, TRS style, on 127.0.0.1.

模拟县 has 44 towns, townships and 街道, 15 county departments and the county government. Each body publishes its
report on each year 2021–2025 in January of the next year (the county government in March), except two bodies that
have not published their 2025 report yet (the deadline sweep gives them D601): 298 reports. A report is one of the
five seed reports with the body's name and the year put in (the seed rotates from year to year, so a body's reports
differ and the history rules compare different texts), as a TRS article page; one in nine is a short article with
a DOCX attachment, one in nine a PDF attachment, a few pages are GBK. Most pages carry a PubDate meta tag, some
only a visible 发布时间, some nothing but the date in their URL; four bodies publish after the deadline.

The county's 年报 column lists every report, newest first, over pages of :data:`PER_PAGE` (index.html,
index_1.html …) with the 60 body columns in its left menu; each body's column lists its own reports. The files are
written once through :class:`crawler.demo_portal.site.DemoSite` (unchanged files keep their time, hence their
ETag/Last-Modified) and served by :class:`crawler.demo_portal.server.DemoServer` on a free port of 127.0.0.1.

Run as a script it builds the portal in ``--folder``, serves it, writes a ``nianbao.yaml`` for it to ``--config``,
prints one JSON line (base URL, counts, build time) and serves until its standard input closes: the service
benchmark runs it as a process of its own, so that the portal's memory is not counted as the service's.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.demo_portal import pages  # noqa: E402
from crawler.demo_portal.files import docx_bytes, pdf_bytes  # noqa: E402
from crawler.demo_portal.markup import Line, body_html, read_seed  # noqa: E402
from crawler.demo_portal.server import DemoServer  # noqa: E402
from crawler.demo_portal.site import CST, GBK_HTML, TYPES, DemoSite, seed_text  # noqa: E402

COUNTY = "模拟县"
PORTAL_ID = "county"
COLUMN = "/zwgk/zfxxgknb/"
YEARS = tuple(range(2021, 2026))
PER_PAGE = 20
SEEDS = ("000", "001", "002", "003", "004")

#: Towns (镇), townships (乡) and 街道: (id, name in titles).
TOWNS = (
    ("chengguan", "城关镇"), ("dongcheng", "东城街道"), ("xicheng", "西城街道"), ("nanguan", "南关街道"),
    ("beiguan", "北关街道"), ("hedong", "河东街道"), ("hexi", "河西街道"), ("xinhua", "新华街道"),
    ("qingshan", "青山镇"), ("baishui", "白水镇"), ("shiqiao", "石桥镇"), ("liulin", "柳林镇"),
    ("yangzhuang", "杨庄镇"), ("liji", "李集镇"), ("wangdian", "王店镇"), ("zhangwan", "张湾镇"),
    ("mafang", "马坊镇"), ("gaoqiao", "高桥镇"), ("shuanghe", "双河镇"), ("sanhe", "三合镇"),
    ("wulipu", "五里铺镇"), ("shilidian", "十里店镇"), ("huangcun", "黄村镇"), ("zhaozhuang", "赵庄镇"),
    ("zhouying", "周营镇"), ("wujiadian", "吴家店镇"), ("zhenglou", "郑楼镇"), ("fengtang", "冯塘乡"),
    ("chengang", "陈岗乡"), ("chumiao", "褚庙乡"), ("weizhai", "卫寨乡"), ("jianghu", "蒋湖乡"),
    ("shenying", "沈营乡"), ("handian", "韩店乡"), ("yanghe", "杨河乡"), ("zhuqiao", "朱桥乡"),
    ("qinji", "秦集乡"), ("youzhuang", "尤庄乡"), ("xugang", "许岗乡"), ("heying", "何营乡"),
    ("lvdian", "吕店乡"), ("shijiawan", "施家湾乡"), ("kongzhuang", "孔庄乡"), ("sunzhai", "孙寨镇"),
)  # fmt: skip

#: County departments: (id, name without the county's).
DEPARTMENTS = (
    ("fagai", "发展和改革委员会"), ("jiaoyu", "教育局"), ("gongan", "公安局"), ("minzheng", "民政局"),
    ("sifa", "司法局"), ("caizheng", "财政局"), ("renshe", "人力资源和社会保障局"), ("ziran", "自然资源局"),
    ("zhujian", "住房和城乡建设局"), ("jiaotong", "交通运输局"), ("shuili", "水利局"), ("nongye", "农业农村局"),
    ("weijian", "卫生健康委员会"), ("shichang", "市场监督管理局"), ("shenji", "审计局"),
)  # fmt: skip

#: Reports not published (yet): the deadline sweep opens D601 for these.
MISSING = frozenset({("liulin", 2025), ("shuili", 2025)})

# The body names the seeds speak of, replaced by the simulated body's.
_SEED_NAMES = re.compile(r"新乡县七里营镇|(次营镇|大峪镇|西坪镇|焦虎镇|七里营镇)(人民政府)?")


@dataclass(frozen=True)
class CountyBody:
    """A registered body of the simulated county."""

    id: str
    name: str  # official name
    short: str  # how titles, menus and the seeds' text name it
    type: str  # town | department | county


@dataclass(frozen=True)
class CountyReport:
    """One published report and how it is published."""

    body: CountyBody
    year: int
    seed: str
    number: int
    published: date
    date_source: str  # PubDate | visible | url
    encoding: str  # utf-8 | gbk
    attachment: str | None  # ".docx" | ".pdf" | None

    @property
    def title(self) -> str:
        """The report's title as the portal lists it."""
        return f"{self.body.name}{self.year}年政府信息公开工作年度报告"

    @property
    def route(self) -> str:
        """The article page's route (TRS: column/YYYYMM/tYYYYMMDD_n.html)."""
        stamp = self.published.strftime("%Y%m%d")
        return f"{COLUMN}{self.body.id}/{stamp[:6]}/t{stamp}_{self.number}.html"

    @property
    def attachment_route(self) -> str | None:
        """The attachment's route, or None."""
        if self.attachment is None:
            return None
        stamp = self.published.strftime("%Y%m%d")
        return f"{COLUMN}{self.body.id}/{stamp[:6]}/P0{stamp}{self.number:06d}{self.attachment}"


def county_bodies() -> tuple[CountyBody, ...]:
    """The 60 registered bodies: 44 towns/townships/街道, 15 departments and the county government."""
    towns = [
        CountyBody(ident, f"{short}办事处" if short.endswith("街道") else f"{short}人民政府", short, "town")
        for ident, short in TOWNS
    ]
    departments = [CountyBody(ident, f"{COUNTY}{name}", f"县{name}", "department") for ident, name in DEPARTMENTS]
    county = CountyBody("county-gov", f"{COUNTY}人民政府", f"{COUNTY}政府", "county")
    return (*towns, *departments, county)


def county_reports(bodies: tuple[CountyBody, ...] | None = None) -> list[CountyReport]:
    """Every published report: body by body, year by year, with varied seeds, dates, encodings and attachments."""
    out: list[CountyReport] = []
    for index, body in enumerate(bodies or county_bodies()):
        for year in YEARS:
            if (body.id, year) in MISSING:
                continue
            number = 3000 + len(out)
            if body.type == "county":
                published = date(year + 1, 3, 20)
            elif index % 17 == 5:  # late: after the 31 January deadline
                published = date(year + 1, 2, 3 + index % 20)
            else:
                published = date(year + 1, 1, 8 + (index + year) % 21)
            source = "url" if number % 11 == 0 else "visible" if number % 7 == 0 else "PubDate"
            attachment = ".docx" if number % 9 == 0 else ".pdf" if number % 9 == 4 else None
            out.append(
                CountyReport(
                    body=body,
                    year=year,
                    seed=SEEDS[(index + year) % len(SEEDS)],
                    number=number,
                    published=published,
                    date_source=source,
                    encoding="gbk" if number % 10 == 3 and attachment is None else "utf-8",
                    attachment=attachment,
                )
            )
    return out


def report_blocks(report: CountyReport) -> list[Line]:
    """The report's text: its seed with the body's name and the year put in, under the report's own title."""
    body = report.body

    def name(match: re.Match[str]) -> str:
        return body.name if match.group(2) else body.short

    text = _SEED_NAMES.sub(name, seed_text(report.seed)).replace("阳城县", COUNTY)
    text = re.sub(r"(?<!\d)2025(?!\d)", str(report.year), text)
    blocks = read_seed(text)
    start = next(i for i, block in enumerate(blocks) if "年度报告" in block.text) + 1
    return [Line("heading", report.title, level=1), *blocks[start:]]


def _when(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


class CountySite:
    """The simulated county's portal written into ``folder`` (the files and routes of a :class:`DemoSite`)."""

    def __init__(self, folder: Path) -> None:
        self.site = DemoSite(folder, "trs")  # used as the route table and file writer; its demo content is not built
        self.bodies = county_bodies()
        self.reports = county_reports(self.bodies)
        self.column_routes: list[str] = []

    def column_url(self, body_id: str | None = None) -> str:
        """The county's 年报 column, or a body's own column."""
        return COLUMN if body_id is None else f"{COLUMN}{body_id}/"

    def build(self) -> None:
        """Write every page, attachment and column page of the portal."""
        new_year = datetime(2026, 1, 1, tzinfo=CST)
        self.site.write("/robots.txt", pages.ROBOTS.encode(), TYPES[".txt"], when=new_year)
        self.site.write("/index.html", pages.home_page(self.column_url()).encode(), TYPES[".html"], when=new_year)
        for report in self.reports:
            self._render_report(report)
        for year in YEARS:
            notice = pages.trs_article(
                self._notice_title(year), "<p>各乡镇人民政府、街道办事处，县直各单位：请按时编制并发布年度报告。</p>",
                source="县政府办公室", pubdate=f"{year + 1}-01-06 09:30", visible_date=f"{year + 1}-01-06 09:30",
            )  # fmt: skip
            self.site.write(self._notice_route(year), notice.encode("utf-8"), TYPES[".html"], when=_when(date(year + 1, 1, 6)))
        self._render_columns()

    def _notice_title(self, year: int) -> str:
        return f"关于做好{year}年度政府信息公开工作年度报告编制发布工作的通知"

    def _notice_route(self, year: int) -> str:
        return f"/zwgk/tzgg/{year + 1}01/t{year + 1}0106_{900 + year - 2000}.html"

    def _render_report(self, report: CountyReport) -> None:
        body = report.body
        blocks = report_blocks(report)
        when = _when(report.published)
        files: list[tuple[str, str]] = []
        attachment = report.attachment_route
        if attachment is not None and report.attachment is not None:
            if report.attachment == ".docx":
                data = docx_bytes(blocks)
            else:
                data = pdf_bytes(report.title, blocks)
            self.site.write(attachment, data, TYPES[report.attachment], when=when)
            files.append((posixpath.basename(attachment), f"{report.title}{report.attachment}"))
            content = f'<p style="text-indent:2em;">{report.title}全文详见附件。</p>'
        else:
            content = body_html(blocks, "trs")
        stamp = f"{report.published.isoformat()} 10:00"
        page = pages.trs_article(
            report.title, content, source=body.name, pubdate=stamp if report.date_source == "PubDate" else None,
            visible_date=stamp if report.date_source in ("PubDate", "visible") else None, attachments=files,
            charset="gb2312" if report.encoding == "gbk" else "utf-8", crumb=(self.column_url(body.id), body.short),
        )  # fmt: skip
        if report.encoding == "gbk":
            self.site.write(report.route, page.encode("gbk"), GBK_HTML, when=when)
        else:
            self.site.write(report.route, page.encode("utf-8"), TYPES[".html"], when=when)

    def _items(self, body_id: str | None) -> list[pages.ListItem]:
        column = self.column_url(body_id)
        chosen = [r for r in self.reports if body_id is None or r.body.id == body_id]
        items = [
            (r.published, pages.ListItem("./" + posixpath.relpath(r.route, column), r.title, r.published.isoformat()))
            for r in chosen
        ]
        if body_id is None:
            items += [
                (date(y + 1, 1, 6), pages.ListItem(self._notice_route(y), self._notice_title(y), f"{y + 1}-01-06")) for y in YEARS
            ]
        items.sort(key=lambda pair: pair[0], reverse=True)
        return [item for _day, item in items]

    def _menu(self) -> list[pages.MenuLink]:
        out = []
        group = ""
        for body in self.bodies:
            heading = {"town": "乡镇（街道）", "department": "县直部门", "county": "县政府"}[body.type]
            out.append(pages.MenuLink(self.column_url(body.id), body.short, heading if heading != group else ""))
            group = heading
        return out

    def _render_columns(self) -> None:
        newest = max(_when(r.published) for r in self.reports)
        menu = self._menu()
        for body in (None, *self.bodies):
            body_id = body.id if body is not None else None
            items = self._items(body_id)
            name = pages.COLUMN_NAME if body is None else f"{body.short}{pages.COLUMN_NAME}"
            column = self.column_url(body_id)
            count = max(1, -(-len(items) // PER_PAGE))
            for page in range(count):
                chunk = items[page * PER_PAGE : (page + 1) * PER_PAGE]
                html = pages.trs_column(name, chunk, menu, page=page, pages=count)
                route = column + ("index.html" if page == 0 else f"index_{page}.html")
                self.site.write(route, html.encode("utf-8"), TYPES[".html"], when=newest, cache="no-cache")
                self.column_routes.append(route)

    def documents(self) -> int:
        """How many documents a full crawl must store: report pages and attachments."""
        return sum(2 if r.attachment else 1 for r in self.reports)

    def column_pages(self) -> int:
        """How many column pages the portal has (the county's, paginated, and the bodies')."""
        return len(self.column_routes)


def county_config_data(base_url: str, site: CountySite, *, database: str, blobs: str) -> dict[str, Any]:
    """A nianbao.yaml for the simulated county: its portal (no politeness delay: the benchmark measures nianbao,
    not the wait between requests) and the 60 bodies with their columns; no notification target (messages go to
    the file sink var/notifications/outbox.log), no dashboard."""
    portal = {
        "id": PORTAL_ID,
        "name": f"{COUNTY}人民政府门户网站（模拟）",
        "start_urls": [base_url + site.column_url()],
        "allowed_domains": ["127.0.0.1"],
        "contact": "nianbao-bench@example.invalid",
        "poll_interval": "6h",
        "max_pages": 120,
        "concurrency": 2,
        "download_delay": 0,
        "timeout": "30s",
        "max_bytes": "5MB",
        "time_limit": "15m",
    }
    return {
        "county": {"name": COUNTY, "timezone": "Asia/Shanghai"},
        "storage": {"database": database, "blobs": blobs},
        "portals": [portal],
        "bodies": [
            {
                "id": body.id,
                "name": body.name,
                "aliases": [body.short],
                "type": body.type,
                "portal": PORTAL_ID,
                "column": base_url + site.column_url(body.id),
            }
            for body in site.bodies
        ],
        "dashboard": {"enabled": False},
    }


@contextmanager
def serve_county(folder: Path) -> Iterator[tuple[str, CountySite, DemoServer]]:
    """Build the portal in ``folder`` and serve it on a free port of 127.0.0.1 for the block."""
    site = CountySite(folder)
    site.build()
    server = DemoServer(site.site)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", site, server
    finally:
        server.stop()


def main() -> None:
    """Build, serve and describe the portal until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, required=True, help="where to write the portal's files")
    parser.add_argument("--config", type=Path, required=True, help="where to write nianbao.yaml for it")
    parser.add_argument("--database", default="sqlite:///var/nianbao.db", help="storage.database of the configuration")
    parser.add_argument("--blobs", default="var/blobs", help="storage.blobs of the configuration")
    args = parser.parse_args()
    started = time.perf_counter()
    with serve_county(args.folder) as (base_url, site, server):
        built = time.perf_counter() - started
        data = county_config_data(base_url, site, database=args.database, blobs=args.blobs)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        args.config.write_text("# nianbao configuration of the simulated county (bench/simulated_county.py)\n" + text, "utf-8")
        described = {
            "base_url": base_url,
            "bodies": len(site.bodies),
            "reports": len(site.reports),
            "attachments": {kind: sum(r.attachment == kind for r in site.reports) for kind in (".docx", ".pdf")},
            "gbk_pages": sum(r.encoding == "gbk" for r in site.reports),
            "documents": site.documents(),
            "column_pages": site.column_pages(),
            "bytes": sum(resource.path.stat().st_size for resource in site.site.routes.values()),
            "expected": sorted([r.body.id, r.year] for r in site.reports),
            "build_seconds": round(built, 3),
        }
        print(json.dumps(described, ensure_ascii=False), flush=True)
        sys.stdin.read()  # serve until the benchmark closes our standard input
        print(json.dumps({"requests": len(server.log), "max_in_flight": server.max_in_flight}), flush=True)


if __name__ == "__main__":
    main()
