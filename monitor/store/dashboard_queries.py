"""The reads the dashboard and its JSON API need: open and muted findings per body and year,
a body's report history, findings by filter, one finding with its report source and audit trail.

Every function works in the caller's transaction and returns detached, frozen values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select, text
from sqlalchemy.orm import Session

from monitor.store.crawl import CrawlRunRecord, run_record
from monitor.store.findings import FindingView, view
from monitor.store.models import Body, CrawlRun, Document, DocumentVersion, Event, Finding, Report

#: Finding states that still need work (muted ones are counted apart).
UNRESOLVED = ("open", "acknowledged")
_TYPE_ORDER = {"county": 0, "department": 1, "town": 2}


@dataclass(frozen=True)
class BodyRow:
    """A registered body."""

    id: str
    name: str
    type: str
    active: bool
    deadline: str | None


@dataclass(frozen=True)
class FindingCounts:
    """Unresolved findings of a body and year by severity, and how many of them are acknowledged or muted."""

    errors: int = 0
    warnings: int = 0
    infos: int = 0
    acknowledged: int = 0
    muted: int = 0


@dataclass(frozen=True)
class ReportRow:
    """A checked report: the version it was parsed from and the document it belongs to."""

    id: int
    body_id: str | None
    year: int | None
    title: str | None
    template: str
    format: str
    checked_at: datetime
    version_id: int
    document_id: int
    url: str
    published_on: date | None
    sha256: str
    content_type: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class VersionRow:
    """One content of a document, with the report parsed from it (None when unreadable or not yet checked)."""

    id: int
    sha256: str
    size: int
    fetched_at: datetime
    state: str
    error: str | None
    current: bool
    report_id: int | None
    report_year: int | None


@dataclass(frozen=True)
class DocumentHistory:
    """A document of a body with all its versions, newest first."""

    id: int
    url: str
    title: str | None
    year: int | None
    published_on: date | None
    published_from: str | None
    first_seen: datetime
    last_seen: datetime
    status: str
    in_column: bool
    versions: tuple[VersionRow, ...]


@dataclass(frozen=True)
class EventRow:
    """An entry of the audit trail."""

    id: int
    at: datetime
    kind: str
    actor: str
    data: dict[str, Any]


@dataclass(frozen=True)
class FindingDetail:
    """One finding with what the finding page shows: evidence, the report it was found in, its events."""

    finding: FindingView
    evidence: dict[str, Any]
    report: ReportRow | None
    body_name: str | None
    events: tuple[EventRow, ...]


def ping(session: Session) -> None:
    """Raise when the database cannot answer (health check)."""
    session.execute(text("SELECT 1"))


def bodies(session: Session, *, include_inactive: bool = False) -> list[BodyRow]:
    """The registered bodies: the county government first, then departments, then towns, each by name."""
    query = select(Body)
    if not include_inactive:
        query = query.where(Body.active.is_(True))
    rows = [BodyRow(b.id, b.name, b.type, b.active, b.deadline) for b in session.scalars(query)]
    return sorted(rows, key=lambda b: (_TYPE_ORDER.get(b.type, 9), b.name, b.id))


def get_body(session: Session, body_id: str) -> BodyRow | None:
    """One body (active or not)."""
    body = session.get(Body, body_id)
    return BodyRow(body.id, body.name, body.type, body.active, body.deadline) if body is not None else None


def known_years(session: Session) -> list[int]:
    """Report years with a report, a document or a finding, newest first."""
    years: set[int] = set()
    for column in (Report.year, Document.year, Finding.year):
        years.update(y for y in session.scalars(select(column).distinct()) if y is not None)
    return sorted(years, reverse=True)


def finding_counts(session: Session, year: int) -> dict[str, FindingCounts]:
    """Per body, its unresolved and muted findings of ``year``."""
    rows = session.execute(
        select(Finding.body_id, Finding.severity, Finding.state, func.count(Finding.id))
        .where(Finding.year == year, Finding.body_id.is_not(None), Finding.state != "resolved")
        .group_by(Finding.body_id, Finding.severity, Finding.state)
    ).all()
    tallies: dict[str, dict[str, int]] = {}
    for body_id, severity, state, count in rows:
        tally = tallies.setdefault(str(body_id), {})
        if state == "muted":
            tally["muted"] = tally.get("muted", 0) + count
            continue
        key = {"error": "errors", "warning": "warnings"}.get(severity, "infos")
        tally[key] = tally.get(key, 0) + count
        if state == "acknowledged":
            tally["acknowledged"] = tally.get("acknowledged", 0) + count
    return {body_id: FindingCounts(**tally) for body_id, tally in tallies.items()}


def _report_row(report: Report, version: DocumentVersion, document: Document) -> ReportRow:
    return ReportRow(
        report.id,
        report.body_id,
        report.year,
        report.title,
        report.template,
        report.format,
        report.checked_at,
        version.id,
        document.id,
        document.url,
        document.published_on,
        version.sha256,
        version.content_type,
        version.fetched_at,
    )


def reports(session: Session, *, body_id: str | None = None, year: int | None = None, limit: int = 500) -> list[ReportRow]:
    """Checked reports, newest check first, optionally of one body or year."""
    query = (
        select(Report, DocumentVersion, Document)
        .join(DocumentVersion, DocumentVersion.id == Report.version_id)
        .join(Document, Document.id == Report.document_id)
        .order_by(Report.checked_at.desc(), Report.id.desc())
        .limit(limit)
    )
    if body_id is not None:
        query = query.where(Report.body_id == body_id)
    if year is not None:
        query = query.where(Report.year == year)
    return [_report_row(r, v, d) for r, v, d in session.execute(query).all()]


def get_report(session: Session, report_id: int) -> ReportRow | None:
    """One report with its version and document."""
    row = session.execute(
        select(Report, DocumentVersion, Document)
        .join(DocumentVersion, DocumentVersion.id == Report.version_id)
        .join(Document, Document.id == Report.document_id)
        .where(Report.id == report_id)
    ).first()
    return _report_row(*row) if row is not None else None


def body_documents(session: Session, body_id: str) -> list[DocumentHistory]:
    """The documents of a body (by the crawler's or the check's attribution), newest year first, with versions."""
    attributed = select(Report.document_id).where(Report.body_id == body_id)
    documents = list(
        session.scalars(
            select(Document)
            .where(or_(Document.body_id == body_id, Document.id.in_(attributed)))
            .order_by(Document.year.desc(), Document.first_seen.desc(), Document.id.desc())
        )
    )
    out = []
    for document in documents:
        rows = session.execute(
            select(DocumentVersion, Report)
            .outerjoin(Report, Report.version_id == DocumentVersion.id)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.id.desc())
        ).all()
        versions = tuple(
            VersionRow(
                v.id,
                v.sha256,
                v.size,
                v.fetched_at,
                v.state,
                v.error,
                v.id == document.current_version_id,
                r.id if r is not None else None,
                r.year if r is not None else None,
            )
            for v, r in rows
        )
        out.append(
            DocumentHistory(
                document.id,
                document.url,
                document.title,
                document.year,
                document.published_on,
                document.published_from,
                document.first_seen,
                document.last_seen,
                document.status,
                document.in_column,
                versions,
            )
        )
    return out


def find_findings(
    session: Session,
    *,
    body_id: str | None = None,
    year: int | None = None,
    states: Sequence[str] = (),
    severity: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[FindingView]:
    """Findings by filter: unresolved before resolved, errors before warnings, newest first."""
    query = select(Finding)
    if body_id is not None:
        query = query.where(Finding.body_id == body_id)
    if year is not None:
        query = query.where(Finding.year == year)
    if states:
        query = query.where(Finding.state.in_(tuple(states)))
    if severity is not None:
        query = query.where(Finding.severity == severity)
    query = query.order_by(
        case((Finding.state == "resolved", 1), else_=0),
        case({"error": 0, "warning": 1}, value=Finding.severity, else_=2),
        Finding.last_seen.desc(),
        Finding.id.desc(),
    )
    return [view(f) for f in session.scalars(query.limit(limit).offset(offset))]


def finding_detail(session: Session, finding_id: int) -> FindingDetail | None:
    """One finding by id, with its evidence, report source, body name and events (oldest first)."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        return None
    report = get_report(session, finding.report_id) if finding.report_id is not None else None
    body = session.get(Body, finding.body_id) if finding.body_id is not None else None
    events = tuple(
        EventRow(e.id, e.at, e.kind, e.actor, dict(e.data or {}))
        for e in session.scalars(select(Event).where(Event.finding_id == finding_id).order_by(Event.id))
    )
    return FindingDetail(view(finding), dict(finding.evidence or {}), report, body.name if body else None, events)


def crawl_runs(session: Session, *, portal_id: str | None = None, limit: int = 100) -> list[CrawlRunRecord]:
    """The latest crawl runs, newest first (optionally of one portal)."""
    query = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if portal_id is not None:
        query = query.where(CrawlRun.portal_id == portal_id)
    return [run_record(run) for run in session.scalars(query)]


def get_crawl_run(session: Session, run_id: int) -> CrawlRunRecord | None:
    """One crawl run."""
    run = session.get(CrawlRun, run_id)
    return run_record(run) if run is not None else None
