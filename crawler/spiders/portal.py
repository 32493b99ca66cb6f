"""The portal spider: one configuration drives it over any county portal's 年报 columns.

From each configured column (the portal's start URLs and every body's own column) it reads the list pages, follows
their other pages and sub-columns, and fetches every entry whose title (or URL token) says it is an annual report.
An article page is read for its title, publisher and publication date (the date its list shows beside the link
is one of the sources), and its attachments are fetched as documents of their own. Column pages are revalidated
through the HTTP cache; documents already stored are asked for with their validators (If-None-Match /
If-Modified-Since) or, without validators, not fetched again unless their list entry changed. A document whose
fetch failed is not asked again before its back-off has passed (:mod:`crawler.failures`); it is still counted as
listed and as not fetched in this run.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from scrapy import FormRequest, Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import dates, failures
from crawler.attribution import Attribution, BodyMatcher, page_publisher
from crawler.health import CrawlHealth
from crawler.items import FetchedDocument, RejectedDocument
from crawler.job import CrawlJob
from crawler.known import KnownDocuments, Sightings
from crawler.links import Entry, PageRequest, attachment_links, is_list_url, looks_not_found
from crawler.middlewares import OUTSIDE
from crawler.origins import portal_origins, url_allowed
from crawler.presets import AUTO, PRESETS, ListContext, Preset, detect
from crawler.titles import about_reports, is_report_title, list_entry, looks_like_column_name, report_year
from documents import detect_format, needs_ocr
from documents.encoding import decode_page
from documents.errors import ExtractionError
from documents.html import extract_html
from monitor.store import KnownDocument, Store

_TOKEN = re.compile(r"^(?:zfxxgknb|xxgknb|gknb|ndbg|nb)(?:\d+|_.*)?$", re.I)
_INDEX = re.compile(r"/(?:index|default)\.s?html?$", re.I)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Column:
    """The configured column a list page belongs to, and the body a (sub-)column is for."""

    url: str
    root: str
    body_id: str | None


@dataclass(frozen=True)
class Listing:
    """Meta of a list page request: its column; ``configured`` when this URL is the configured column itself."""

    column: Column
    configured: bool


@dataclass(frozen=True)
class Parent:
    """An article page whose attachment is being fetched: what the attachment inherits from it."""

    url: str
    title: str | None
    attribution: Attribution
    year: int | None
    published_on: date
    published_from: str


@dataclass(frozen=True)
class Found:
    """Meta of a document request: how it was listed (an attachment: the page that lists it)."""

    title: str
    list_entry: str
    list_url: str
    column_body: str | None
    parent: Parent | None = None
    list_date: date | None = None  # the date the column's list shows beside the link


def has_report_token(url: str) -> bool:
    """True when a segment of the URL path is a 年报 column token (zfxxgknb, xxgknb, gknb, ndbg, nb)."""
    return any(_TOKEN.match(segment) for segment in urlsplit(url).path.split("/"))


def canonical(url: str) -> str:
    """The URL used to tell pages apart: no fragment, ``…/index.html`` is its folder."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=_INDEX.sub("/", parts.path) or "/", fragment=""))


def _root(url: str) -> str:
    path = urlsplit(canonical(url)).path
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


class PortalSpider(Spider):
    """Crawls one portal's 年报 columns as configured in a :class:`CrawlJob`."""

    name = "portal"

    def __init__(self, job: CrawlJob, store: Store, health: CrawlHealth, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.portal = job.portal
        self.allowed_domains = list(job.portal.allowed_domains)  # Scrapy's offsite filter: host names only
        self.origins = frozenset(portal_origins(job.configured_urls()))
        self.crawl_store = store.crawl
        self.known = KnownDocuments(store.crawl, job.portal.id)  # one query, not one per document
        self.sightings = Sightings(store.crawl)  # unchanged documents, recorded a batch at a time
        self.health = health
        self.matcher = BodyMatcher(job.bodies)
        self.preset: Preset | None = None if job.portal.preset == AUTO else PRESETS[job.portal.preset]
        self.selectors = self.preset.merged(job.portal.selectors) if self.preset else dict(job.portal.selectors)
        health.system = self.preset.name if self.preset else None
        self.timezone = ZoneInfo(job.timezone)
        self.requested: set[str] = set()
        self.list_requests = 0

    # ------------------------------------------------------------------------------------------------ columns

    def columns(self) -> list[Column]:
        """The configured columns: the portal's start URLs, then each body's own column on this portal."""
        by_url = {canonical(b.column): b.id for b in self.job.bodies if b.portal == self.portal.id and b.column}
        out = [Column(url, _root(url), by_url.get(canonical(url))) for url in self.portal.start_urls]
        for body in self.job.bodies:
            if body.portal == self.portal.id and body.column:
                out.append(Column(body.column, _root(body.column), body.id))
        return out

    async def start(self) -> AsyncIterator[Any]:
        """One conditional request per configured column."""
        for column in self.columns():
            self.health.expect_column(column.url)
            if not self._allowed(column.url):
                self.health.column_failed(column.url, OUTSIDE)
                continue
            # A #fragment is never sent (gkmlpt's column id is one: its reader takes it from the column).
            first = urlunsplit(urlsplit(column.url)._replace(fragment=""))
            request = self._list_request(first, column, configured=True)
            if request is not None:
                yield request

    def _use_preset(self, text: str, url: str) -> Preset:
        """The portal's preset: the configured one, or the one detected from the first column page read."""
        if self.preset is None:
            self.preset = detect(text, url)
            self.selectors = self.preset.merged(self.portal.selectors)
            self.health.system = self.preset.name
            self.logger.info("portal system detected: %s (%s)", self.preset.name, self.preset.label)
        return self.preset

    def _allowed(self, url: str) -> bool:
        return url_allowed(url, self.portal.allowed_domains, self.origins)

    def _list_request(self, page: str | PageRequest, column: Column, *, configured: bool) -> Request | None:
        asked = page if isinstance(page, PageRequest) else PageRequest(page)
        url = asked.url
        key = canonical(url) if asked.key() == url else asked.key()
        if key in self.requested:
            return None
        if not configured and self.list_requests >= self.portal.max_pages:
            if self.list_requests == self.portal.max_pages:
                self.health.error("list", url, f"max_pages ({self.portal.max_pages}) reached; later pages not read")
                self.list_requests += 1
            return None
        self.requested.add(key)
        self.list_requests += 1
        options: dict[str, Any] = {
            "callback": self.parse_list,
            "errback": self.failed,
            "headers": {"Cache-Control": "max-age=0"},  # always revalidate: conditional request, 304 when unchanged
            "meta": {"nianbao_list": Listing(column, configured), "nianbao_form": asked.form},
            "dont_filter": True,  # our own bookkeeping dedupes; a redirect loop must reach its limit, not vanish
            "priority": 10,
        }
        if asked.method == "POST":
            return FormRequest(url, formdata=list(asked.form), **options)
        return Request(url, **options)

    def _column_problem(self, response: Response, column_url: str) -> str | None:
        if response.meta.get("redirect_urls"):
            before, after = urlsplit(canonical(column_url)), urlsplit(canonical(response.url))
            if (before.path.rstrip("/"), before.query) != (after.path.rstrip("/"), after.query):
                return f"moved: redirected to {response.url}"
        if isinstance(response, TextResponse) and looks_not_found(response.text):
            return "the page says it does not exist (soft 404)"
        if not isinstance(response, TextResponse):
            return f"not a web page ({_header(response, b'Content-Type')})"
        return None

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A column page: follow report links, sub-columns and the list's other pages."""
        listing: Listing = response.meta["nianbao_list"]
        column = listing.column
        if listing.configured:
            problem = self._column_problem(response, column.url)
            if problem is not None:
                self.health.column_failed(column.url, problem)
                return
            self.health.column_reached(column.url)
        self.health.pages += 1
        if not isinstance(response, TextResponse):
            self.health.error("list", response.url, "not a web page")
            return
        preset = self._use_preset(response.text, response.url)
        context = ListContext(
            response.text, response.url, column.url, self.selectors, self.job.timezone, response.meta.get("nianbao_form", ())
        )
        page = preset.read(context)
        for entry in page.entries:
            if not self._allowed(entry.url):
                continue
            request: Request | None = None
            if self._is_report_link(entry):
                self.health.listed(column.url)
                fingerprint = list_entry(entry.title, entry.date_text)
                found = Found(entry.title, fingerprint, response.url, column.body_id, list_date=dates.parse_date(entry.date_text))
                request = self._document_request(entry.url, found)
            elif is_list_url(entry.url) and self._in_column(entry, column):
                body = self.matcher.in_text(entry.title) or column.body_id
                request = self._list_request(entry.url, Column(column.url, column.root, body), configured=False)
            if request is not None:
                yield request
        for other in (*map(PageRequest, page.pages), *page.requests):
            if self._allowed(other.url):
                request = self._list_request(other, column, configured=False)
                if request is not None:
                    yield request

    def _is_report_link(self, entry: Entry) -> bool:
        if is_report_title(entry.title, in_column=True):
            return True
        # A URL token plus a year: "2025年" linking to …/zfxxgknb/2025/t2026…html is a report, not a sub-column.
        return (
            has_report_token(entry.url)
            and not is_list_url(entry.url)
            and report_year(entry.title) is not None
            and not about_reports(entry.title)
        )

    def _in_column(self, entry: Entry, column: Column) -> bool:
        parts, root = urlsplit(entry.url), urlsplit(column.url)
        if parts.netloc == root.netloc and urlsplit(canonical(entry.url)).path.startswith(column.root):
            return True
        return has_report_token(entry.url) and looks_like_column_name(entry.title)

    # ------------------------------------------------------------------------------------------------ documents

    def _now(self) -> datetime:
        return self.job.now()

    def _document_request(self, url: str, found: Found) -> Request | None:
        key = canonical(url)
        if key in self.requested:
            return None
        self.requested.add(key)
        known = self.known.get(url)
        headers: dict[str, str] = {}
        if known is not None:
            now = self._now()
            if known.retry_after is not None and known.retry_after > now:  # failed before: waiting out its back-off
                self._still_listed(url, known, found, now)
                self.health.document_waiting()
                return None
            same_entry = known.list_entry == found.list_entry
            if known.status == "rejected" and same_entry and failures.not_taken(known.reject_reason or ""):
                self._still_listed(url, known, found, now)
                return None
            if known.status != "rejected" and known.sha256:
                if known.etag:
                    headers["If-None-Match"] = known.etag
                if known.last_modified:
                    headers["If-Modified-Since"] = known.last_modified
                if not headers and same_entry and not known.failures:  # nothing says it changed: not downloaded again
                    self._still_listed(url, known, found, now)
                    self.health.unchanged_documents += 1
                    return None
        return Request(
            url,
            callback=self.parse_document,
            errback=self.failed,
            headers=headers,
            # What the store knew when asking: the 304 and failure paths need it, not a second query.
            meta={"nianbao_doc": found, "nianbao_known": known, "dont_cache": True, "handle_httpstatus_list": [304]},
            dont_filter=True,
        )

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A report page or file: store it, then fetch its attachments."""
        found: Found = response.meta["nianbao_doc"]
        now = self._now()
        url = listed_url(response)  # a redirected document stays known under the address it is listed with
        if response.status == 304:
            self._still_listed(url, response.meta.get("nianbao_known"), found, now, reached=True)
            self.health.unchanged_documents += 1
            yield from self._attachments_of_stored_page(url, found, now)
            return
        data = response.body
        content_type = _header(response, b"Content-Type")
        meta: dict[str, str] = {}
        is_page = detect_format(data) == "html" and found.parent is None
        if is_page:
            try:
                meta = dict(extract_html(data, content_type=content_type).meta)
            except ExtractionError:
                is_page = False
        first_seen = now.astimezone(self.timezone).date()
        if found.parent is not None:
            parent = found.parent
            title, attribution, year = parent.title, parent.attribution, parent.year
            published_on, published_from = dates.inherited_date((parent.published_on, parent.published_from), url)
        else:
            title = meta.get("articletitle") or found.title or meta.get("title")
            text = _TAGS.sub(" ", response.text[:50000]) if is_page and isinstance(response, TextResponse) else ""
            attribution = self.matcher.attribute(title, page_publisher(meta, text), found.column_body)
            year = report_year(title) or report_year(found.title)
            published_on, published_from = dates.publication_date(meta, response.url, first_seen, found.list_date)
        yield FetchedDocument(
            url=url,
            data=data,
            fetched_at=now,
            portal_id=self.portal.id,
            body_id=attribution.body_id,
            body_from=attribution.source,
            title=title,
            year=year,
            list_url=found.list_url,
            parent_url=found.parent.url if found.parent else None,
            in_column=True,
            content_type=content_type,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            published_on=published_on,
            published_from=published_from,
            list_entry=found.list_entry,
            needs_ocr=not is_page and needs_ocr(data),
        )
        if is_page and isinstance(response, TextResponse):
            parent = Parent(url, title, attribution, year, published_on, published_from)
            for link in attachment_links(response.text, response.url, self.selectors):
                if not self._allowed(link.url):
                    continue
                child = Found(link.title, list_entry(link.title, ""), found.list_url, found.column_body, parent)
                request = self._document_request(link.url, child)
                if request is not None:
                    yield request

    def _attachments_of_stored_page(self, url: str, found: Found, now: datetime) -> Iterator[Request]:
        """An unchanged page: its attachments are asked again from the copy in the store.

        A crawl cut off after storing a page but before its attachments (a service killed mid-crawl) thus
        fetches them next time; attachments already stored are asked with their validators (304).
        """
        known = self.known.get(url)
        if known is None or known.sha256 is None or found.parent is not None:
            return
        try:
            text, _codec = decode_page(self.crawl_store.blobs.get(known.sha256))
        except (FileNotFoundError, ExtractionError):
            return
        first_seen = now.astimezone(self.timezone).date()
        parent = Parent(
            url,
            known.title,
            Attribution(known.body_id, known.body_from),
            known.year,
            known.published_on or first_seen,
            known.published_from or dates.FIRST_SEEN,
        )
        for link in attachment_links(text, url, self.selectors):
            if not self._allowed(link.url):
                continue
            child = Found(link.title, list_entry(link.title, ""), found.list_url, found.column_body, parent)
            request = self._document_request(link.url, child)
            if request is not None:
                yield request

    def _still_listed(self, url: str, known: KnownDocument | None, found: Found, now: datetime, *, reached: bool = False) -> None:
        """Record a stored document as listed in this run without downloading it; ``reached``: it answered 304.
        A document stored with the day first seen takes the date its listing now gives, if any."""
        published = None
        if known is not None and known.published_from == dates.FIRST_SEEN and known.published_on is not None:
            if found.parent is not None:
                published = dates.inherited_date((found.parent.published_on, found.parent.published_from), url)
            else:
                published = dates.publication_date({}, url, known.published_on, found.list_date)
        self.sightings.add(url, now, reached=reached, published=published)

    def closed(self, reason: str) -> None:
        """Write the sightings still held."""
        self.sightings.flush()

    # ------------------------------------------------------------------------------------------------ failures

    def failed(self, failure: Failure) -> Iterator[Any]:
        """A request that did not come back with a usable response."""
        request = getattr(failure, "request", None)
        if request is None:
            return
        reason = failures.describe(failure, timeout=self.job.timeout(), max_bytes=self.portal.max_bytes)
        listing: Listing | None = request.meta.get("nianbao_list")
        if listing is not None:
            if listing.configured:
                self.health.column_failed(listing.column.url, reason)
            else:
                self.health.error("list", request.url, reason)
            return
        found: Found | None = request.meta.get("nianbao_doc")
        url = _asked_url(request)
        if found is None or failures.not_sent(reason):
            self.health.error("document", url, reason)
            return
        now = self._now()
        judged = None
        if failures.not_taken(reason):
            self.health.error("document", url, reason)
        else:
            known: KnownDocument | None = request.meta.get("nianbao_known")
            judged = failures.judge(reason, known.failures if known is not None else 0, now)
            self.health.document_failed(url, reason)
        title, attribution, year = self._as_listed(found)
        yield RejectedDocument(
            url,
            reason,
            now,
            self.portal.id,
            list_entry=found.list_entry,
            parent_url=found.parent.url if found.parent else None,
            title=title,
            body_id=attribution.body_id,
            body_from=attribution.source,
            year=year,
            list_url=found.list_url,
            failure=judged,
        )

    def _as_listed(self, found: Found) -> tuple[str | None, Attribution, int | None]:
        """The title, body and year of a document that could not be fetched, from how it was listed: an
        attachment's are its page's; a page's come from its list entry's title, else the column's body."""
        if found.parent is not None:
            return found.parent.title, found.parent.attribution, found.parent.year
        title = found.title or None
        return title, self.matcher.attribute(title, None, found.column_body), report_year(title)


def listed_url(response: Response) -> str:
    """The URL a response was asked for before any redirect."""
    redirects = response.meta.get("redirect_urls")
    return str(redirects[0]) if redirects else response.url


def _asked_url(request: Request) -> str:
    """The URL a failed request was first asked for: a redirect loop's last hop is not the document's address."""
    redirects = request.meta.get("redirect_urls")
    return str(redirects[0]) if redirects else request.url


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
