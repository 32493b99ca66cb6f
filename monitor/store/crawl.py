"""What the crawler reads and writes: portals and bodies known, documents seen, versions fetched, crawl runs.

A listed document the crawler could not fetch is kept with its failures in a row, since when, and the time
before which it is not asked again (:class:`FetchFailure`, judged by ``crawler.failures``); it is ``unreachable``
when the crawler says so, and ``active`` again once a fetch succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from documents.dates import FIRST_SEEN
from monitor.store.blobs import BlobStore
from monitor.store.db import Database
from monitor.store.models import CrawlRun, Document, DocumentVersion, Event
from monitor.store.queue import CHECK_QUEUE, OCR_QUEUE, defer_check, workers_check
from monitor.store.registry import note_crawl_finished, sync_registry

if TYPE_CHECKING:
    from monitor.config import Config


@dataclass(frozen=True)
class KnownDocument:
    """What the store knows of a URL: enough to decide whether to fetch it again."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    title: str | None
    status: str
    list_entry: str | None = None
    reject_reason: str | None = None
    body_id: str | None = None
    body_from: str | None = None
    year: int | None = None
    published_on: date | None = None
    published_from: str | None = None
    failures: int = 0
    retry_after: datetime | None = None


@dataclass(frozen=True)
class FetchFailure:
    """A failed fetch of a listed document as the crawler judged it: failures in a row counting this one, whether
    the document is now unreachable, and the time before which it is not asked again."""

    failures: int
    unreachable: bool
    retry_after: datetime


@dataclass
class FetchedDocument:
    """A document the crawler downloaded, with what the listing and the page said about it."""

    url: str
    data: bytes
    fetched_at: datetime
    portal_id: str | None = None
    body_id: str | None = None
    title: str | None = None
    year: int | None = None
    list_url: str | None = None
    parent_url: str | None = None
    in_column: bool = True
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    published_on: date | None = None
    published_from: str | None = None
    list_entry: str | None = None
    body_from: str | None = None
    #: Reading it takes OCR (see :func:`documents.needs_ocr`): with workers, it goes to the OCR queue.
    needs_ocr: bool = False


@dataclass
class CrawlStats:
    """What one crawl did."""

    requests: int = 0
    responses_304: int = 0
    bytes: int = 0
    pages: int = 0
    new_documents: int = 0
    changed_documents: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    unreachable_documents: int = 0  # listed documents not fetched: failed in this run, or waiting out a back-off
    #: Report entries listed under each configured column the run reached (None: not counted).
    column_counts: dict[str, int] | None = None
    system: str | None = None  # the portal system (preset) the run read the portal with


@dataclass(frozen=True)
class Sighting:
    """A stored document still listed: when, whether the server answered (304), the date its listing gives."""

    url: str
    at: datetime
    reached: bool = False
    published: tuple[date, str] | None = None


_UNKNOWN = object()


class CrawlStore:
    """The crawler's view of the store."""

    def __init__(self, database: Database, blobs: BlobStore) -> None:
        self.db = database
        self.blobs = blobs
        self._county: str | object | None = _UNKNOWN  # set from the store's settings at the first hand-off

    def known(self, url: str) -> KnownDocument | None:
        """The stored state of ``url``, or None for a URL never seen."""
        with self.db.transaction() as session:
            document = session.scalar(select(Document).where(Document.url == url))
            if document is None:
                return None
            sha = None
            if document.current_version_id is not None:
                version = session.get(DocumentVersion, document.current_version_id)
                sha = version.sha256 if version else None
            return _known(document, sha)

    def known_of_portal(self, portal_id: str) -> dict[str, KnownDocument]:
        """The stored state of every document of ``portal_id``, by URL, in one query."""
        query = (
            select(Document, DocumentVersion.sha256)
            .outerjoin(DocumentVersion, DocumentVersion.id == Document.current_version_id)
            .where(Document.portal_id == portal_id)
        )
        with self.db.transaction() as session:
            return {document.url: _known(document, sha256) for document, sha256 in session.execute(query)}

    def seen(self, url: str, at: datetime, *, reached: bool = False, published: tuple[date, str] | None = None) -> None:
        """Record that ``url`` is still listed (unchanged: answered 304, or not fetched again).

        ``reached``: the server answered (304 Not Modified), which ends a streak of failures and makes an
        unreachable document active again. ``published``: the date and source the listing gives now, taken when
        the stored date is only the day first seen.
        """
        self.seen_many([Sighting(url, at, reached, published)])

    def seen_many(self, sightings: list[Sighting]) -> None:
        """:meth:`seen` for many documents, in one transaction."""
        if not sightings:
            return
        with self.db.transaction() as session:
            urls = sorted({s.url for s in sightings})
            documents = {d.url: d for d in session.scalars(select(Document).where(Document.url.in_(urls)))}
            for sighting in sightings:
                document = documents.get(sighting.url)
                if document is None:
                    continue
                document.last_seen = sighting.at
                if sighting.reached:
                    _reached(document)
                published = sighting.published
                if published is not None and document.published_from == FIRST_SEEN and published[1] != FIRST_SEEN:
                    document.published_on, document.published_from = published

    def record(self, fetched: FetchedDocument) -> tuple[str, int]:
        """Store a downloaded document. Returns ("new" | "changed" | "unchanged", document id).

        The bytes go to the blob folder first (idempotent), then one transaction records the document,
        its version when the hash is new, and an event.
        """
        digest = self.blobs.put(fetched.data)
        with self.db.transaction() as session:
            document = session.scalar(select(Document).where(Document.url == fetched.url))
            outcome = "unchanged"
            if document is None:
                document = Document(url=fetched.url, first_seen=fetched.fetched_at, last_seen=fetched.fetched_at)
                session.add(document)
                outcome = "new"
            elif document.current_version_id is None:
                outcome = "new"  # listed before but never fetched (failed, rejected): this is its first content
            for name in (
                "portal_id", "body_id", "body_from", "title", "year", "list_url", "parent_url", "etag", "last_modified",
                "list_entry",
            ):  # fmt: skip
                value = getattr(fetched, name)
                if value is not None:
                    setattr(document, name, value)
            document.in_column = fetched.in_column
            document.last_seen = fetched.fetched_at
            document.status = "active"
            document.reject_reason = None
            _reached(document)
            if fetched.published_on is not None and (
                document.published_on is None or (document.published_from == FIRST_SEEN and fetched.published_from != FIRST_SEEN)
            ):
                document.published_on = fetched.published_on
                document.published_from = fetched.published_from
            session.flush()
            version = session.scalar(
                select(DocumentVersion).where(DocumentVersion.document_id == document.id, DocumentVersion.sha256 == digest)
            )
            if version is None:
                version = DocumentVersion(
                    document_id=document.id,
                    sha256=digest,
                    size=len(fetched.data),
                    content_type=fetched.content_type,
                    fetched_at=fetched.fetched_at,
                    needs_ocr=fetched.needs_ocr,
                )
                session.add(version)
                session.flush()
                if outcome == "unchanged":
                    outcome = "changed"
            if document.current_version_id != version.id:
                document.current_version_id = version.id
                version.state = "fetched"  # content seen before came back: check it again as the current one
                if outcome == "unchanged":
                    outcome = "changed"
            if outcome != "unchanged":
                self._hand_off(session, version)
                session.add(
                    Event(
                        at=fetched.fetched_at,
                        kind=f"document.{outcome}",
                        body_id=document.body_id,
                        document_id=document.id,
                        data={"url": fetched.url, "sha256": digest, "title": fetched.title},
                    )
                )
            return outcome, document.id

    def _hand_off(self, session: Any, version: DocumentVersion) -> None:
        """With workers (engine procrastinate), queue the check of a version to check in this transaction."""
        if version.state != "fetched":
            return
        if self._county is _UNKNOWN:
            self._county = workers_check(session)
        if isinstance(self._county, str):
            defer_check(session, self._county, OCR_QUEUE if version.needs_ocr else CHECK_QUEUE)

    def reject(
        self,
        url: str,
        reason: str,
        at: datetime,
        portal_id: str | None = None,
        *,
        list_entry: str | None = None,
        parent_url: str | None = None,
        title: str | None = None,
        body_id: str | None = None,
        body_from: str | None = None,
        year: int | None = None,
        list_url: str | None = None,
        failure: FetchFailure | None = None,
    ) -> str:
        """Record a listed document that could not be taken; returns its status.

        Without ``failure`` it is ``rejected``: not taken for its content (too large, not a document). With it, a
        fetch failed: the failures in a row, since when and the back-off are stored; the document becomes
        ``unreachable`` (with ``reason``) when ``failure`` says so, and keeps its status otherwise. The body,
        year and title given fill in what is not known yet and never replace what is.
        """
        with self.db.transaction() as session:
            document = session.scalar(select(Document).where(Document.url == url))
            if document is None:
                document = Document(url=url, first_seen=at, last_seen=at, portal_id=portal_id, status="active", failures=0)
                session.add(document)
            document.last_seen = at
            for name, value in (("list_entry", list_entry), ("parent_url", parent_url), ("list_url", list_url)):
                if value is not None:
                    setattr(document, name, value)
            if document.body_id is None and body_id is not None:
                document.body_id, document.body_from = body_id, body_from
            if document.title is None:
                document.title = title
            if document.year is None:
                document.year = year
            if document.portal_id is None:
                document.portal_id = portal_id
            if failure is None:
                document.status = "rejected"
                document.reject_reason = reason
                session.flush()
                session.add(Event(at=at, kind="document.rejected", document_id=document.id, data={"url": url, "reason": reason}))
                return document.status
            document.failures = failure.failures
            document.failing_since = document.failing_since or at
            document.retry_after = failure.retry_after
            if failure.unreachable:
                became = document.status != "unreachable"
                document.status = "unreachable"
                document.reject_reason = reason
                session.flush()
                if became:
                    data = {"url": url, "reason": reason, "failures": failure.failures}
                    body = document.body_id
                    session.add(Event(at=at, kind="document.unreachable", body_id=body, document_id=document.id, data=data))
            return document.status

    def start_run(self, portal_id: str, at: datetime) -> int:
        """Open a crawl run and return its id.

        Runs of the portal still marked running belong to a crawl that died with its service (one portal is
        never crawled twice at once): they are closed as failed first.
        """
        with self.db.transaction() as session:
            for stale in session.scalars(select(CrawlRun).where(CrawlRun.portal_id == portal_id, CrawlRun.status == "running")):
                stale.status, stale.finished_at, stale.finish_reason = "failed", at, "中断（服务在抓取中途停止）"
            run = CrawlRun(portal_id=portal_id, started_at=at, status="running")
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, at: datetime, stats: CrawlStats, *, failed: bool, reason: str) -> None:
        """Close a crawl run with its statistics and how it ended; a failed run is an event too."""
        with self.db.transaction() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            run.finished_at = at
            run.status = "failed" if failed else "finished"
            run.finish_reason = reason
            run.requests, run.responses_304, run.bytes = stats.requests, stats.responses_304, stats.bytes
            run.pages, run.new_documents, run.changed_documents = stats.pages, stats.new_documents, stats.changed_documents
            run.errors = list(stats.errors)
            run.unreachable_documents = stats.unreachable_documents
            if stats.column_counts is not None:
                run.column_counts = dict(stats.column_counts)
            run.system = stats.system
            if failed:
                session.add(Event(at=at, kind="crawl.failed", data={"portal": run.portal_id, "run": run_id, "reason": reason}))
            else:
                note_crawl_finished(session, run.portal_id, at)

    def previous_counts(self, portal_id: str) -> dict[str, int]:
        """The report entries the latest finished run of ``portal_id`` listed under each configured column (empty
        when the portal never finished a run, or its latest finished run was not counted)."""
        with self.db.transaction() as session:
            counts = session.scalar(
                select(CrawlRun.column_counts)
                .where(CrawlRun.portal_id == portal_id, CrawlRun.status == "finished")
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(1)
            )
            return {str(url): int(n) for url, n in (counts or {}).items()}

    def set_log_path(self, run_id: int, path: str | Path) -> None:
        """Record where the crawler's log of a run is kept."""
        with self.db.transaction() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            run.log_path = str(path)

    def sync(self, config: Config) -> None:
        """Bring the portals and bodies tables in step with the configuration (crawl runs and documents refer to
        them). The same rows as ``monitor.processing.sync`` writes."""
        portals = [{"id": p.id, "name": p.name, "config": {"start_urls": list(p.start_urls)}} for p in config.portals]
        bodies = [
            {
                "id": b.id,
                "name": b.name,
                "type": b.type,
                "portal": b.portal,
                "aliases": b.aliases,
                "column": b.column,
                "deadline": b.deadline,
            }
            for b in config.bodies
        ]
        with self.db.transaction() as session:
            sync_registry(session, portals, bodies)

    def run(self, run_id: int) -> CrawlRunRecord:
        """A crawl run as recorded."""
        with self.db.transaction() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            return run_record(run)

    def abandon_run(self, run_id: int, at: datetime, reason: str) -> bool:
        """Close a run that is still marked running as failed (its crawler was killed or crashed).
        Returns False when the run had already been closed."""
        with self.db.transaction() as session:
            run = session.get(CrawlRun, run_id)
            if run is None or run.status != "running":
                return False
            run.finished_at, run.status, run.finish_reason = at, "failed", reason
            run.errors = [*(run.errors or []), {"kind": "run", "reason": reason}]
            session.add(Event(at=at, kind="crawl.failed", data={"portal": run.portal_id, "run": run_id, "reason": reason}))
            return True

    def documents(self, portal_id: str | None = None) -> list[StoredDocument]:
        """The documents found (on one portal, or all), oldest first, with their current version."""
        versions = select(DocumentVersion.document_id, func.count().label("n")).group_by(DocumentVersion.document_id).subquery()
        query = (
            select(Document, DocumentVersion, versions.c.n)
            .outerjoin(DocumentVersion, DocumentVersion.id == Document.current_version_id)
            .outerjoin(versions, versions.c.document_id == Document.id)
            .order_by(Document.id)
        )
        if portal_id is not None:
            query = query.where(Document.portal_id == portal_id)
        with self.db.transaction() as session:
            return [
                StoredDocument(
                    id=document.id,
                    url=document.url,
                    body_id=document.body_id,
                    body_from=document.body_from,
                    title=document.title,
                    year=document.year,
                    parent_url=document.parent_url,
                    list_url=document.list_url,
                    published_on=document.published_on,
                    published_from=document.published_from,
                    status=document.status,
                    reject_reason=document.reject_reason,
                    sha256=version.sha256 if version else None,
                    size=version.size if version else None,
                    content_type=version.content_type if version else None,
                    versions=count or 0,
                    first_seen=document.first_seen,
                    last_seen=document.last_seen,
                    failures=document.failures or 0,
                    failing_since=document.failing_since,
                    retry_after=document.retry_after,
                )
                for document, version, count in session.execute(query).all()
            ]


@dataclass(frozen=True)
class CrawlRunRecord:
    """A crawl run as stored in ``crawl_runs``."""

    id: int
    portal_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    finish_reason: str | None
    requests: int
    responses_304: int
    bytes: int
    pages: int
    new_documents: int
    changed_documents: int
    errors: tuple[dict[str, Any], ...]
    unreachable_documents: int = 0
    log_path: str | None = None
    column_counts: dict[str, int] | None = None  # report entries listed under each configured column reached
    system: str | None = None  # the portal system (preset) the run read the portal with


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored, with its current version (None for a rejected document never downloaded)."""

    id: int
    url: str
    body_id: str | None
    body_from: str | None
    title: str | None
    year: int | None
    parent_url: str | None
    list_url: str | None
    published_on: date | None
    published_from: str | None
    status: str
    reject_reason: str | None
    sha256: str | None
    size: int | None
    content_type: str | None
    versions: int
    first_seen: datetime
    last_seen: datetime
    failures: int = 0
    failing_since: datetime | None = None
    retry_after: datetime | None = None


def run_record(run: CrawlRun) -> CrawlRunRecord:
    """A ``crawl_runs`` row as a :class:`CrawlRunRecord`."""
    return CrawlRunRecord(
        id=run.id,
        portal_id=run.portal_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        finish_reason=run.finish_reason,
        requests=run.requests,
        responses_304=run.responses_304,
        bytes=run.bytes,
        pages=run.pages,
        new_documents=run.new_documents,
        changed_documents=run.changed_documents,
        errors=tuple(run.errors or ()),
        unreachable_documents=run.unreachable_documents or 0,
        log_path=run.log_path,
        column_counts=dict(run.column_counts) if run.column_counts is not None else None,
        system=run.system,
    )


def _reached(document: Document) -> None:
    """The document answered: the streak of failures ends, and an unreachable one is active again."""
    document.failures, document.failing_since, document.retry_after = 0, None, None
    if document.status == "unreachable":
        document.status, document.reject_reason = "active", None


def _known(document: Document, sha256: str | None) -> KnownDocument:
    return KnownDocument(
        document.id,
        document.url,
        document.etag,
        document.last_modified,
        sha256,
        document.title,
        document.status,
        document.list_entry,
        document.reject_reason,
        document.body_id,
        document.body_from,
        document.year,
        document.published_on,
        document.published_from,
        document.failures or 0,
        document.retry_after,
    )
