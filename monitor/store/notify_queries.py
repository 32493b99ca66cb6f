"""The reads and small writes notifications need: report references for messages, unresolved findings for repeats
and escalation, and what the weekly digest shows (changes in a week, publications, crawl health, deliveries).

Every function works in the caller's transaction and returns detached values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from documents.dates import FIRST_SEEN
from monitor.store.findings import FindingView, view
from monitor.store.models import CrawlRun, Document, Event, Finding, Outbox, Report

__all__ = [
    "CHANGE_KINDS",
    "DeliveryIssue",
    "FailedRun",
    "FindingChange",
    "OpenFinding",
    "PortalHealth",
    "Publication",
    "ReportRef",
    "Session",  # re-exported: notifications annotate with it and never import sqlalchemy themselves
    "crawl_health",
    "delivery_issues",
    "failing_runs",
    "finding_changes",
    "findings_as_of",
    "mark_notified",
    "outbox_counts",
    "publications",
    "record_escalated",
    "report_ref",
    "unreachable_listings",
    "unresolved_findings",
]

#: Finding events that the digest lists as changes of the week.
CHANGE_KINDS = ("finding.opened", "finding.reopened", "finding.resolved")


@dataclass(frozen=True)
class ReportRef:
    """What a message says about a report: its title, year and where it is published."""

    report_id: int | None
    document_id: int | None
    title: str | None
    year: int | None
    url: str | None
    published_on: date | None


def report_ref(session: Session, report_id: int | None, document_id: int | None) -> ReportRef | None:
    """The report (or, without one, the document) a notification is about; None when neither is known."""
    report = session.get(Report, report_id) if report_id is not None else None
    document_id = report.document_id if report is not None else document_id
    document = session.get(Document, document_id) if document_id is not None else None
    if report is None and document is None:
        return None
    return ReportRef(
        report.id if report else None,
        document.id if document else None,
        (report.title if report else None) or (document.title if document else None),
        (report.year if report else None) or (document.year if document else None),
        document.url if document else None,
        document.published_on if document else None,
    )


@dataclass(frozen=True)
class OpenFinding:
    """An unresolved finding with when it was (re)opened and last escalated to the county office."""

    finding: FindingView
    reopened: int
    opened_at: datetime
    escalated_at: datetime | None


def _latest_event(session: Session, kind: str, ids: Sequence[int]) -> dict[int, datetime]:
    """Per finding, when the latest event of ``kind`` happened (in Python: max() in SQL loses the UTC type)."""
    out: dict[int, datetime] = {}
    if ids:
        for finding_id, at in session.execute(
            select(Event.finding_id, Event.at).where(Event.kind == kind, Event.finding_id.in_(ids))
        ):
            if finding_id is not None and (finding_id not in out or at > out[finding_id]):
                out[finding_id] = at
    return out


def unresolved_findings(
    session: Session,
    *,
    severities: Sequence[str] | None = None,
    states: Sequence[str] = ("open", "acknowledged"),
    backlog: bool | None = None,
) -> list[OpenFinding]:
    """Findings in ``states`` (open or acknowledged by default: muted ones are silent), oldest first; ``backlog``
    False leaves out the history found on first crawls (never pushed), True keeps only it."""
    query = select(Finding).where(Finding.state.in_(list(states))).order_by(Finding.first_seen, Finding.id)
    if severities is not None:
        query = query.where(Finding.severity.in_(list(severities)))
    if backlog is not None:
        query = query.where(Finding.backlog.is_(backlog))
    rows = list(session.scalars(query))
    ids = [f.id for f in rows]
    reopened_at = _latest_event(session, "finding.reopened", ids)
    escalated_at = _latest_event(session, "finding.escalated", ids)
    return [
        OpenFinding(view(f), f.reopened, max(f.first_seen, reopened_at.get(f.id, f.first_seen)), escalated_at.get(f.id))
        for f in rows
    ]


def record_escalated(session: Session, finding_ids: Iterable[int], at: datetime, *, days: int) -> None:
    """Note on each finding's audit trail that it was escalated to the county office."""
    for finding_id in finding_ids:
        finding = session.get(Finding, finding_id)
        if finding is not None:
            session.add(
                Event(
                    at=at,
                    kind="finding.escalated",
                    body_id=finding.body_id,
                    finding_id=finding.id,
                    document_id=finding.document_id,
                    data={"days": days},
                )
            )


def mark_notified(session: Session, finding_ids: Iterable[int], at: datetime) -> None:
    """Set ``last_notified_at``: the responsible office has been told about these findings (repeats count from here)."""
    ids = list(finding_ids)
    if ids:
        session.execute(
            update(Finding).where(Finding.id.in_(ids)).values(last_notified_at=at).execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class FindingChange:
    """A finding opened, reopened or resolved at ``at``; ``cause`` "recheck" when a re-check (after a change of the
    rules or the names) made it, not a new or changed report."""

    at: datetime
    kind: str
    finding: FindingView
    cause: str = "check"


def finding_changes(session: Session, start: datetime, end: datetime) -> list[FindingChange]:
    """Finding events with ``start <= at < end``, oldest first."""
    rows = session.execute(
        select(Event, Finding)
        .join(Finding, Finding.id == Event.finding_id)
        .where(Event.kind.in_(CHANGE_KINDS), Event.at >= start, Event.at < end)
        .order_by(Event.at, Event.id)
    ).all()
    return [
        FindingChange(event.at, event.kind.removeprefix("finding."), view(finding), str((event.data or {}).get("cause", "check")))
        for event, finding in rows
    ]


@dataclass(frozen=True)
class Publication:
    """A body's report for a year as found: the earliest publication date known and where."""

    body_id: str
    published_on: date | None
    first_seen: datetime
    url: str
    title: str | None
    documents: int
    published_from: str | None = None


def publications(session: Session, year: int, before: datetime) -> dict[str, Publication]:
    """Per body, the active documents of ``year`` (by the crawler's or the check's attribution) seen before ``before``."""
    attributed = select(Report.document_id).where(Report.year == year, Report.body_id.is_not(None))
    rows = session.execute(
        select(Document, Report.body_id, Report.year)
        .outerjoin(Report, Report.document_id == Document.id)
        .where(
            Document.status == "active",
            Document.first_seen < before,
            or_(Document.year == year, Document.id.in_(attributed)),
        )
        .order_by(Document.first_seen, Document.id)
    ).all()
    by_body: dict[str, list[Document]] = {}
    for document, report_body, report_year in rows:
        if report_year is not None and report_year != year:
            continue  # the check found it is another year's report
        body_id = report_body or document.body_id
        if body_id is None:
            continue
        documents = by_body.setdefault(body_id, [])
        if all(d.id != document.id for d in documents):
            documents.append(document)
    out: dict[str, Publication] = {}
    for body_id, documents in by_body.items():
        # A date a source gave beats a first-seen one, which is only an upper bound.
        dated = [d for d in documents if d.published_on is not None and d.published_from != FIRST_SEEN]
        dated = dated or [d for d in documents if d.published_on is not None]
        first = min(dated, key=lambda d: (d.published_on, d.id)) if dated else documents[0]
        out[body_id] = Publication(
            body_id, first.published_on, first.first_seen, first.url, first.title, len(documents), first.published_from
        )
    return out


def unreachable_listings(session: Session, year: int, before: datetime) -> dict[str, str]:
    """Per body, the URL of a listed document of ``year`` that cannot be opened, failing since before ``before``."""
    rows = session.execute(
        select(Document.body_id, Document.url)
        .where(
            Document.status == "unreachable",
            Document.year == year,
            Document.body_id.is_not(None),
            or_(Document.failing_since.is_(None), Document.failing_since < before),
            Document.first_seen < before,
        )
        .order_by(Document.id)
    ).all()
    out: dict[str, str] = {}
    for body_id, url in rows:
        if body_id is not None:
            out.setdefault(body_id, url)
    return out


#: The state a finding is in after each lifecycle event (replayed to see a finding as it was at a past moment).
_STATE_AFTER = {
    "finding.opened": "open",
    "finding.reopened": "open",
    "finding.resolved": "resolved",
    "finding.superseded": "resolved",
    "finding.acknowledged": "acknowledged",
    "finding.muted": "muted",
    "finding.unmuted": "open",
}


def findings_as_of(session: Session, at: datetime) -> list[FindingView]:
    """Every finding opened before ``at``, in the state it was in then (replayed from its events), oldest first."""
    rows = list(session.scalars(select(Finding).where(Finding.first_seen < at).order_by(Finding.first_seen, Finding.id)))
    states: dict[int, str] = {}
    events = session.execute(
        select(Event.finding_id, Event.kind)
        .where(Event.finding_id.is_not(None), Event.kind.in_(list(_STATE_AFTER)), Event.at < at)
        .order_by(Event.at, Event.id)
    )
    for finding_id, kind in events:
        if finding_id is not None:
            states[finding_id] = _STATE_AFTER[kind]
    return [replace(view(f), state=states.get(f.id, "open")) for f in rows]


@dataclass(frozen=True)
class PortalHealth:
    """A portal's latest crawl and its last successful one (as of a moment)."""

    portal_id: str
    last_started_at: datetime | None
    last_status: str | None
    last_reason: str | None
    last_errors: int
    last_success_at: datetime | None
    unreachable: int = 0  # listed documents the latest crawl could not fetch
    run_id: int | None = None
    log_path: str | None = None


def crawl_health(session: Session, portal_ids: Sequence[str], *, before: datetime | None = None) -> list[PortalHealth]:
    """One line per portal, in the order given; a portal never crawled has no runs. ``before``: as it was then
    (runs started before it; a run still going then counts as running)."""
    out = []
    for portal_id in portal_ids:
        query = select(CrawlRun).where(CrawlRun.portal_id == portal_id)
        if before is not None:
            query = query.where(CrawlRun.started_at < before)
        latest = session.scalar(query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1))
        success_query = select(CrawlRun.finished_at).where(CrawlRun.portal_id == portal_id, CrawlRun.status == "finished")
        if before is not None:
            success_query = success_query.where(CrawlRun.finished_at < before)
        success = session.scalar(success_query.order_by(CrawlRun.finished_at.desc()).limit(1))
        status = latest.status if latest else None
        if latest is not None and before is not None and (latest.finished_at is None or latest.finished_at >= before):
            status = "running"
        out.append(
            PortalHealth(
                portal_id,
                latest.started_at if latest else None,
                status,
                latest.finish_reason if latest and status != "running" else None,
                len(latest.errors or []) if latest else 0,
                success,
                int(latest.unreachable_documents or 0) if latest else 0,
                latest.id if latest else None,
                latest.log_path if latest else None,
            )
        )
    return out


@dataclass(frozen=True)
class FailedRun:
    """A failed crawl run, as a crawl-problem notice tells it."""

    id: int
    started_at: datetime
    finish_reason: str | None
    errors: tuple[dict[str, Any], ...]


def failing_runs(session: Session, portal_id: str) -> list[FailedRun]:
    """The failed runs of ``portal_id`` since its latest finished one, oldest first: the portal's current failing
    episode (empty when the latest run that ended finished). Runs still going are left out."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.portal_id == portal_id, CrawlRun.status != "running")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    )
    failed: list[FailedRun] = []
    for run in session.scalars(query):
        if run.status != "failed":
            break
        failed.append(FailedRun(run.id, run.started_at, run.finish_reason, tuple(run.errors or ())))
    return failed[::-1]


@dataclass(frozen=True)
class DeliveryIssue:
    """A notification still unsent after failed attempts (retrying, exhausted: retried slowly, or given up by an
    older version), or one a person dropped."""

    outbox_id: int
    kind: str
    route: str
    attempts: int
    last_error: str | None
    created_at: datetime
    gave_up_at: datetime | None
    next_attempt_at: datetime | None
    exhausted_at: datetime | None = None
    dropped_at: datetime | None = None
    dropped_by: str | None = None

    @property
    def state(self) -> str:
        """``dropped``, ``gave_up``, ``exhausted`` or ``failed`` (still on the fast schedule)."""
        if self.dropped_at is not None:
            return "dropped"
        if self.gave_up_at is not None:
            return "gave_up"
        return "exhausted" if self.exhausted_at is not None else "failed"


def delivery_issues(session: Session, start: datetime, end: datetime) -> list[DeliveryIssue]:
    """Every unsent row that failed at least once (whenever it failed: it is still to deliver) and the rows a
    person dropped in ``[start, end)``."""
    unsent = Outbox.sent_at.is_(None) & Outbox.dropped_at.is_(None) & ((Outbox.attempts > 0) | Outbox.gave_up_at.is_not(None))
    dropped = Outbox.dropped_at.is_not(None) & (Outbox.dropped_at >= start) & (Outbox.dropped_at < end)
    rows = session.scalars(select(Outbox).where(or_(unsent, dropped)).order_by(Outbox.created_at, Outbox.id))
    return [
        DeliveryIssue(
            r.id,
            r.kind,
            r.route,
            r.attempts,
            r.last_error,
            r.created_at,
            r.gave_up_at,
            None if r.gave_up_at is not None or r.dropped_at is not None else r.next_attempt_at,
            r.exhausted_at,
            r.dropped_at,
            r.dropped_by,
        )
        for r in rows
    ]


def outbox_counts(session: Session) -> dict[str, Any]:
    """How many rows are waiting (``exhausted`` of them retried slowly), sent, given up (by an older version) and
    dropped by a person (for the digest's footer, the dashboard and the CLI)."""

    def count(*conditions: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(Outbox).where(*conditions)) or 0)

    unsent = (Outbox.sent_at.is_(None), Outbox.gave_up_at.is_(None), Outbox.dropped_at.is_(None))
    return {
        "waiting": count(*unsent),
        "exhausted": count(*unsent, Outbox.exhausted_at.is_not(None)),
        "sent": count(Outbox.sent_at.is_not(None)),
        "gave_up": count(Outbox.sent_at.is_(None), Outbox.gave_up_at.is_not(None), Outbox.dropped_at.is_(None)),
        "dropped": count(Outbox.dropped_at.is_not(None)),
    }
