"""Dry runs of a portal: ``nianbao portal probe URL`` and ``nianbao portal test``.

A dry run is a real crawl (the same child process, spider, politeness, robots.txt and time limit as a scheduled
poll) into a temporary store that is thrown away afterwards: nothing reaches the county's store, no finding is
made, no one is notified. What it found is read back from the temporary store — every document with its title,
year, publication date and where that date came from, the body it was attributed to (or the publisher the page
names), its attachments — together with the portal system the crawler used.

``probe`` starts from nothing but a column address: the system is detected, and a ready ``portals:`` and
``bodies:`` snippet for ``nianbao.yaml`` is written from what was found. ``test`` runs a configured portal as
configured.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.attribution import page_publisher
from crawler.presets import AUTO, PRESETS
from crawler.run import CrawlSummary, crawl_portal
from documents.errors import ExtractionError
from documents.html import extract_html
from documents.model import Paragraph
from documents.titles import body_and_year
from monitor.config import Config, Portal, parse_config
from monitor.store import Store
from monitor.store.status import reason_zh, run_reason_zh

PROBE_PORTAL = "probe"
#: Pages of a column a probe reads at most (list pages and further pages of the list).
PROBE_MAX_PAGES = 10
PROBE_TIME_LIMIT = 180

#: Where a publication date came from, for an administrator.
DATE_SOURCE_ZH = {
    "PubDate": "页面 PubDate 标签",
    "visible": "页面上的发布日期",
    "list": "栏目列表中的日期",
    "url": "网址中的日期",
    "first_seen": "首次发现日（页面上没有日期）",
}
KIND_ZH = {"html": "网页", "pdf": "PDF", "docx": "DOCX", "doc": "DOC", "wps": "WPS", "image": "图片"}
_TOWN = re.compile(r"(?:镇|乡|街道|街道办事处)(?:人民政府)?$")
_COUNTY = re.compile(r"^[^镇乡]{1,12}(?:县|区|市|旗)人民政府$")
_HOST_ID = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class FoundDocument:
    """A document a dry run fetched (or could not fetch), as the crawler would store it."""

    url: str
    title: str | None
    year: int | None
    published_on: date | None
    published_from: str | None
    body_id: str | None
    publisher: str | None  # who the page says published it (ContentSource, 发布机构)
    site_name: str | None  # the portal's name as the page gives it (SiteName meta tag)
    kind: str  # html | pdf | docx | … ("" when not fetched)
    parent_url: str | None
    problem: str | None  # why it was not taken (None: fetched)


@dataclass(frozen=True)
class DryRun:
    """What a dry run of one portal found."""

    portal: Portal
    summary: CrawlSummary  # its ``system``: the preset the crawl read the portal with
    documents: tuple[FoundDocument, ...]

    def reports(self) -> list[FoundDocument]:
        """The documents that are reports in their own right (pages listed in a column, not their attachments)."""
        return [d for d in self.documents if d.parent_url is None]

    def attachments(self, url: str) -> list[FoundDocument]:
        """The attachments fetched from the page at ``url``."""
        return [d for d in self.documents if d.parent_url == url]


def _kind(content_type: str | None, url: str) -> str:
    text = (content_type or "").lower()
    for marker, kind in (("html", "html"), ("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"), ("image", "image")):
        if marker in text:
            return kind
    suffix = urlsplit(url).path.rsplit(".", 1)[-1].lower()
    return suffix if suffix in KIND_ZH else (suffix or "")


def _page_names(store: Store, sha256: str | None, kind: str) -> tuple[str | None, str | None]:
    """Who a stored page says published it, and the site's name it gives."""
    if sha256 is None or kind != "html":
        return None, None
    try:
        document = extract_html(store.blobs.get(sha256))
    except (ExtractionError, FileNotFoundError):
        return None, None
    text = " ".join(block.text for block in document.blocks[:12] if isinstance(block, Paragraph))
    return page_publisher(dict(document.meta), text), document.meta.get("sitename") or None


def dry_run(config: Config, portal_id: str, *, time_limit: float | None = None) -> DryRun:
    """Crawl ``portal_id`` of ``config`` into a temporary store, read back what was found, throw the store away."""
    portal = config.portal(portal_id)
    with tempfile.TemporaryDirectory(prefix="nianbao-probe-") as folder:
        root = Path(folder)
        database = f"sqlite:///{root / 'probe.sqlite3'}"
        summary = crawl_portal(
            config, portal_id, database, root / "blobs", time_limit=time_limit, log_path=root / "crawl.log", log_level="WARNING"
        )
        store = Store.open(database, root / "blobs")
        try:
            found = []
            for stored in store.crawl.documents(portal_id):
                kind = _kind(stored.content_type, stored.url) if stored.sha256 else ""
                publisher, site_name = _page_names(store, stored.sha256, kind)
                found.append(
                    FoundDocument(
                        url=stored.url,
                        title=stored.title,
                        year=stored.year,
                        published_on=stored.published_on,
                        published_from=stored.published_from,
                        body_id=stored.body_id,
                        publisher=publisher,
                        site_name=site_name,
                        kind=kind,
                        parent_url=stored.parent_url,
                        problem=stored.reject_reason if stored.status == "rejected" else None,
                    )
                )
        finally:
            store.close()
    found.sort(key=lambda d: (-(d.year or 0), d.published_on or date.min, d.url))
    return DryRun(portal, summary, tuple(found))


def probe_config(
    url: str,
    contact: str,
    *,
    preset: str = AUTO,
    timezone: str = "Asia/Shanghai",
    max_pages: int = PROBE_MAX_PAGES,
    delay: float = 1.0,
) -> Config:
    """A configuration of one portal, the column at ``url``, for a probe (polite: ``delay`` seconds between
    requests, 1 by default)."""
    host = urlsplit(url).hostname or ""
    data: dict[str, Any] = {
        "county": {"name": "试探", "timezone": timezone},
        "portals": [
            {
                "id": PROBE_PORTAL,
                "name": host,
                "start_urls": [url],
                "allowed_domains": [host],
                "contact": contact,
                "preset": preset,
                "max_pages": max_pages,
                "download_delay": delay,
                "time_limit": f"{PROBE_TIME_LIMIT}s",
            }
        ],
        "bodies": [],
    }
    return parse_config(data, source="nianbao portal probe")


def _guess_type(name: str) -> str:
    if _TOWN.search(name):
        return "town"
    if _COUNTY.match(name):
        return "county"
    return "department"


def _body_name(document: FoundDocument) -> str | None:
    named, _year = body_and_year(document.title or "")
    return document.publisher or named


def _title_name(document: FoundDocument) -> str | None:
    """The body's name as the report's title writes it, when the publisher is named otherwise (an alias)."""
    named, _year = body_and_year(document.title or "")
    if not named or not document.publisher or named in document.publisher:
        return None
    return named


def portal_id_for(url: str) -> str:
    """An id for the portal at ``url`` from its host name (``www.demo.gov.cn`` → ``demo``; ``portal`` for an
    address by number)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return "portal"
    parts = [p for p in host.split(".") if p not in ("www", "gov", "cn", "com", "net", "org")]
    return _HOST_ID.sub("-", "-".join(parts[:2]) or host).strip("-")[:40] or "portal"


def suggested_config(run: DryRun, url: str, contact: str) -> str:
    """The ``portals:`` and ``bodies:`` sections for ``nianbao.yaml``, from what a probe of ``url`` found."""
    portal_id = portal_id_for(url)
    host = urlsplit(url).hostname or ""
    names: dict[str, list[str]] = {}
    for document in run.reports():
        name = _body_name(document)
        if not name:
            continue
        aliases = names.setdefault(name, [])
        alias = _title_name(document)
        if alias and alias not in aliases:
            aliases.append(alias)
    site = next((d.site_name for d in run.documents if d.site_name), None)
    portal: dict[str, Any] = {
        "id": portal_id,
        "name": f"{site}门户网站" if site and not site.endswith("网站") else (site or f"{host} 门户网站"),
        "start_urls": [url],
        "allowed_domains": [host],
        "contact": contact,
        "preset": run.summary.system or AUTO,
    }
    bodies = []
    for index, (name, aliases) in enumerate(names.items(), start=1):
        body: dict[str, Any] = {"id": f"body-{index:02d}", "name": name}
        if aliases:
            body["aliases"] = aliases
        bodies.append({**body, "type": _guess_type(name), "portal": portal_id})
    text = yaml.safe_dump({"portals": [portal]}, allow_unicode=True, sort_keys=False, width=200)
    if bodies:
        text += (
            "# 以下单位是从年报标题和发布机构推测的：请核对名称和类型（town 乡镇、department 县直部门、county 县政府），"
            "id 可改为拼音\n"
        )
        text += yaml.safe_dump({"bodies": bodies}, allow_unicode=True, sort_keys=False, width=200)
    return text


def _cell(text: object, width: int) -> str:
    value = str(text) if text not in (None, "") else "—"
    return value if len(value) <= width else value[: width - 1] + "…"


def report_table(run: DryRun, config: Config | None = None) -> str:
    """What a dry run found, for an administrator: the system, the pages read, then one line per report."""
    summary = run.summary
    preset = PRESETS.get(run.summary.system or "")
    how = "（自动识别）" if run.portal.preset == AUTO else "（配置指定）"
    lines = [
        f"门户系统：{preset.label if preset else '未能识别'}{how if preset else ''}",
        f"读取列表页 {summary.pages} 个，请求 {summary.requests} 次，用时 {summary.seconds:.1f} 秒；"
        + ("抓取正常" if not summary.failed else f"抓取失败：{run_reason_zh(summary.finish_reason)}"),
    ]
    reports = run.reports()
    lines.append(f"发现年度报告 {len(reports)} 份：" if reports else "没有发现年度报告。")
    names = {b.id: b.name for b in config.bodies} if config is not None else {}
    for number, document in enumerate(reports, start=1):
        if document.problem:
            lines.append(f"{number:>3}. {_cell(document.title, 40)}  无法打开：{reason_zh(document.problem)}")
            lines.append(f"     {document.url}")
            continue
        when = document.published_on.isoformat() if document.published_on else "—"
        source = DATE_SOURCE_ZH.get(document.published_from or "", document.published_from or "—")
        guessed = _body_name(document)
        body = names.get(document.body_id or "") or (f"（推测）{guessed}" if guessed else "未识别单位")
        kind = KIND_ZH.get(document.kind, document.kind)
        lines.append(f"{number:>3}. {document.year or '—'}年度  发布日期 {when}（{source}）  {body}  {kind}")
        lines.append(f"     {_cell(document.title, 60)}")
        lines.append(f"     {document.url}")
        for attachment in run.attachments(document.url):
            state = (
                f"无法打开：{reason_zh(attachment.problem)}"
                if attachment.problem
                else KIND_ZH.get(attachment.kind, attachment.kind)
            )
            lines.append(f"     附件（{state}）：{attachment.url}")
    for problem in summary.errors[:10]:
        lines.append(f"问题：{problem.get('url', '')}：{reason_zh(str(problem.get('reason', '')))}")
    return "\n".join(lines) + "\n"
