"""Portals and bodies in the database, kept in step with the configuration; the reads the monitor needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from monitor.store.models import Body, CrawlRun, Document, DocumentVersion, Event, Portal, Report


def sync_registry(session: Session, portals: list[dict[str, Any]], bodies: list[dict[str, Any]]) -> None:
    """Upsert portals and bodies from the configuration; bodies no longer configured become inactive."""
    for item in portals:
        portal = session.get(Portal, item["id"]) or Portal(id=item["id"])
        portal.name, portal.config = item["name"], item.get("config", {})
        session.merge(portal)
    session.flush()
    configured = set()
    for item in bodies:
        configured.add(item["id"])
        body = session.get(Body, item["id"]) or Body(id=item["id"])
        body.name, body.type, body.portal_id = item["name"], item["type"], item.get("portal")
        body.aliases, body.column_url, body.deadline, body.active = (
            list(item.get("aliases", ())),
            item.get("column"),
            item.get("deadline"),
            True,
        )
        session.merge(body)
    for body in session.scalars(select(Body).where(Body.id.not_in(configured) if configured else Body.id.is_not(None))):
        body.active = False


@dataclass(frozen=True)
class PendingVersion:
    """A fetched document version waiting to be checked."""

    version_id: int
    document_id: int
    sha256: str
    url: str
    body_id: str | None
    year: int | None
    title: str | None
    published_on: date | None
    in_column: bool
    fetched_at: datetime
    content_type: str | None
    published_from: str | None = None
    first_seen: datetime | None = None
    portal_id: str | None = None
    #: Reading it takes OCR; and whether it still waits for its check (``fetched``) or was checked.
    needs_ocr: bool = False
    state: str = "fetched"


def _pending(version: DocumentVersion, document: Document) -> PendingVersion:
    return PendingVersion(
        version.id,
        document.id,
        version.sha256,
        document.url,
        document.body_id,
        document.year,
        document.title,
        document.published_on,
        document.in_column,
        version.fetched_at,
        version.content_type,
        document.published_from,
        document.first_seen,
        document.portal_id,
        version.needs_ocr,
        version.state,
    )


def pending_versions(session: Session, limit: int = 100, *, ocr: bool | None = None) -> list[PendingVersion]:
    """Current versions not yet checked, earliest report year first, then oldest first; superseded ones are marked
    so and skipped.

    A report is checked against its body's report for the year before (the H rules) only if that one was checked
    first: a first crawl fetches several years at once, newest first as the columns list them. ``ocr`` True or
    False takes only the versions that need OCR, or only the others (the workers' two queues).
    """
    query = (
        select(DocumentVersion, Document)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.state == "fetched")
    )
    if ocr is not None:
        query = query.where(DocumentVersion.needs_ocr.is_(ocr))
    rows = session.execute(query.order_by(Document.year.is_(None), Document.year, DocumentVersion.id).limit(limit)).all()
    out = []
    for version, document in rows:
        if document.current_version_id != version.id:
            version.state = "superseded"
            continue
        out.append(_pending(version, document))
    return out


def current_versions(session: Session, body_id: str, year: int) -> list[PendingVersion]:
    """The current, readable versions of every document of a body and year (checked or about to be).

    A version belongs to the body and year of its report once checked, else to those of its document. One query:
    the processor asks this for every version it checks, so it must not cost a query per stored document.
    """
    owned_by_report = and_(Report.id.is_not(None), Report.body_id == body_id, Report.year == year)
    owned_by_document = and_(Report.id.is_(None), Document.body_id == body_id, Document.year == year)
    rows = session.execute(
        select(DocumentVersion, Document)
        .join(Document, Document.current_version_id == DocumentVersion.id)
        .outerjoin(Report, Report.version_id == DocumentVersion.id)  # at most one: reports.version_id is unique
        .where(Document.status == "active", DocumentVersion.state.in_(("fetched", "checked")))
        .where(or_(owned_by_report, owned_by_document))
        .order_by(DocumentVersion.id)
    ).all()
    return [_pending(version, document) for version, document in rows]


def checked_versions(session: Session, states: tuple[str, ...] = ("checked",)) -> list[PendingVersion]:
    """Every current version in ``states`` (for a re-check: checked ones, and unreadable ones ("failed") when the
    readers changed), earliest report year first like :func:`pending_versions`."""
    rows = session.execute(
        select(DocumentVersion, Document)
        .join(Document, Document.current_version_id == DocumentVersion.id)
        .where(DocumentVersion.state.in_(states), Document.status == "active")
        .order_by(Document.year.is_(None), Document.year, DocumentVersion.id)
    ).all()
    return [_pending(v, d) for v, d in rows]


@dataclass(frozen=True)
class StoredAttribution:
    """A document's attribution as stored: enough to attribute it again after a change of names."""

    document_id: int
    title: str | None
    body_id: str | None
    body_from: str | None
    year: int | None


def stored_attributions(session: Session) -> list[StoredAttribution]:
    """Every document's title and attribution."""
    rows = session.execute(
        select(Document.id, Document.title, Document.body_id, Document.body_from, Document.year).order_by(Document.id)
    ).all()
    return [StoredAttribution(*row) for row in rows]


def reattribute(session: Session, document_id: int, body_id: str | None, body_from: str | None, at: datetime) -> None:
    """Give a document another body (or none, for the check to find it), with an event saying from which."""
    document = session.get(Document, document_id)
    if document is None or document.body_id == body_id:
        return
    before = document.body_id
    document.body_id, document.body_from = body_id, body_from
    session.add(
        Event(
            at=at,
            kind="document.reattributed",
            body_id=body_id,
            document_id=document_id,
            data={"url": document.url, "from": before, "to": body_id},
        )
    )


@dataclass(frozen=True)
class UnreachableDocument:
    """A listed document that cannot be fetched (404/410, or failing crawl after crawl)."""

    document_id: int
    url: str
    title: str | None
    body_id: str | None
    year: int | None
    reason: str | None
    failing_since: datetime | None
    failures: int
    first_seen: datetime


def unreachable_documents(session: Session) -> list[UnreachableDocument]:
    """Every document whose status is ``unreachable``, oldest first."""
    rows = session.scalars(select(Document).where(Document.status == "unreachable").order_by(Document.id))
    return [
        UnreachableDocument(d.id, d.url, d.title, d.body_id, d.year, d.reject_reason, d.failing_since, d.failures, d.first_seen)
        for d in rows
    ]


def earlier_checked_version(session: Session, document_id: int, version_id: int) -> DocumentVersion | None:
    """The last version of the document checked before this one (for D603: a change after publication)."""
    return session.scalar(
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == document_id,
            DocumentVersion.id < version_id,
            DocumentVersion.state.in_(("checked", "superseded")),
        )
        .order_by(DocumentVersion.id.desc())
        .limit(1)
    )


def previous_report_sha(session: Session, body_id: str, year: int) -> str | None:
    """The blob hash of the latest checked report of a body for a year (the H rules' previous year)."""
    row = session.execute(
        select(DocumentVersion.sha256)
        .join(Report, Report.version_id == DocumentVersion.id)
        .where(Report.body_id == body_id, Report.year == year)
        .order_by(Report.checked_at.desc(), Report.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None


def save_report(session: Session, version_id: int, document_id: int, fields: dict[str, Any], at: datetime) -> int:
    """Record (or refresh) the report parsed from a version and mark the version checked; returns the report id."""
    report = session.scalar(select(Report).where(Report.version_id == version_id))
    if report is None:
        report = Report(version_id=version_id, document_id=document_id, checked_at=at, **fields)
        session.add(report)
    else:
        for key, value in fields.items():
            setattr(report, key, value)
    version = session.get(DocumentVersion, version_id)
    if version is not None:
        version.state, version.error = "checked", None
    session.flush()
    return report.id


def mark_unreadable(session: Session, version_id: int, reason: str, at: datetime) -> bool:
    """A version that could not be read as a report: state failed with the reason, an event. False if already so."""
    version = session.get(DocumentVersion, version_id)
    if version is None or (version.state == "failed" and version.error == reason):
        return False
    version.state, version.error = "failed", reason
    document = session.get(Document, version.document_id)
    session.add(
        Event(
            at=at,
            kind="document.unreadable",
            body_id=document.body_id if document else None,
            document_id=version.document_id,
            data={"reason": reason, "url": document.url if document else None},
        )
    )
    return True


def set_document_body(session: Session, document_id: int, body_id: str | None, year: int | None) -> None:
    """Attribute a document to a body and year found by the check (when the crawler could not tell)."""
    document = session.get(Document, document_id)
    if document is not None:
        if document.body_id is None and body_id is not None:
            document.body_id = body_id
        if document.year is None and year is not None:
            document.year = year


def note_crawl_finished(session: Session, portal_id: str, at: datetime) -> None:
    """A crawl of the portal finished whole: its bodies not crawled before have now been (what was found until
    then is history, see :func:`first_crawled_at`)."""
    query = select(Body).where(
        (Body.portal_id == portal_id) | Body.portal_id.is_(None), Body.first_crawled_at.is_(None), Body.active.is_(True)
    )
    for body in session.scalars(query):
        body.first_crawled_at = at


def first_crawled_at(session: Session, body_id: str | None, portal_id: str | None = None) -> datetime | None:
    """When the first whole crawl covering the body ended (None: not yet, the first crawl is still to finish).
    Without a body, when the portal's first whole crawl ended."""
    if body_id is not None:
        body = session.get(Body, body_id)
        return body.first_crawled_at if body is not None else None
    if portal_id is None:
        return None
    runs = select(CrawlRun.finished_at).where(CrawlRun.portal_id == portal_id, CrawlRun.status == "finished")
    return session.scalar(runs.order_by(CrawlRun.finished_at).limit(1))


def has_report(session: Session, body_id: str, year: int) -> bool:
    """True when a report (or a document attributed) for the body and year has been found; a listed document that
    cannot be opened counts (it is D606, not a missing report)."""
    if session.scalar(select(Report.id).where(Report.body_id == body_id, Report.year == year).limit(1)) is not None:
        return True
    found = (
        select(Document.id)
        .where(Document.body_id == body_id, Document.year == year, Document.status.in_(("active", "unreachable")))
        .limit(1)
    )
    return session.scalar(found) is not None


def portal_healthy(session: Session, portal_id: str | None) -> bool:
    """True when the portal's latest finished crawl succeeded (a failing portal must not look like silence)."""
    if portal_id is None:
        return True
    run = session.scalar(
        select(CrawlRun)
        .where(CrawlRun.portal_id == portal_id, CrawlRun.status != "running")
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )
    return run is not None and run.status == "finished"


def record_event(session: Session, at: datetime, kind: str, *, body_id: str | None = None, **data: Any) -> None:
    """Append an event to the audit trail."""
    session.add(Event(at=at, kind=kind, body_id=body_id, data=data))


def event_exists(session: Session, kind: str, key: str) -> bool:
    """True when an event of this kind carrying ``data.key == key`` is recorded (idempotent sweeps)."""
    for data in session.scalars(select(Event.data).where(Event.kind == kind)):
        if isinstance(data, dict) and data.get("key") == key:
            return True
    return False


def crawl_in_progress(session: Session, document_id: int) -> bool:
    """True while a crawl of the document's portal is under way (its attachments may still be coming)."""
    document = session.get(Document, document_id)
    if document is None or document.portal_id is None:
        return False
    running = select(CrawlRun.id).where(CrawlRun.portal_id == document.portal_id, CrawlRun.status == "running").limit(1)
    return session.scalar(running) is not None
