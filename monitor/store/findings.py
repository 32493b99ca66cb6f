"""Findings and their lifecycle: reconcile a check run by fingerprint, acknowledge, mute, unmute.

new → open; still there → last_seen updated (no event); gone → resolved; back → reopened. Every state change
is an event, and the notifications it causes are queued in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.store.models import Event, Finding
from monitor.store.outbox import OutboxDraft, add_drafts

#: Findings that a re-check of a report never resolves (the deadline sweep and change history own them).
NOT_RECONCILED = ("D601", "D603")


@dataclass(frozen=True)
class FindingInput:
    """A finding as a check run produced it."""

    fingerprint: str
    rule: str
    severity: str
    message: str
    locator: dict[str, Any]
    evidence: dict[str, Any]


@dataclass(frozen=True)
class FindingView:
    """A finding as notifications and the CLI see it (detached from the database)."""

    id: int
    fingerprint: str
    rule: str
    severity: str
    body_id: str | None
    year: int | None
    message: str
    locator: dict[str, Any]
    state: str
    first_seen: datetime
    last_seen: datetime
    document_id: int | None = None
    resolved_at: datetime | None = None
    muted_until: datetime | None = None
    state_by: str | None = None
    state_reason: str | None = None
    last_notified_at: datetime | None = None
    backlog: bool = False


def view(finding: Finding) -> FindingView:
    """A detached copy of a finding row."""
    return FindingView(
        finding.id,
        finding.fingerprint,
        finding.rule,
        finding.severity,
        finding.body_id,
        finding.year,
        finding.message,
        dict(finding.locator or {}),
        finding.state,
        finding.first_seen,
        finding.last_seen,
        finding.document_id,
        finding.resolved_at,
        finding.muted_until,
        finding.state_by,
        finding.state_reason,
        finding.last_notified_at,
        bool(finding.backlog),
    )


@dataclass
class Reconciled:
    """What a check run changed: the drafts policy reads this to decide what to send."""

    body_id: str | None
    year: int | None
    document_id: int | None
    report_id: int | None
    at: datetime
    opened: list[FindingView] = field(default_factory=list)
    reopened: list[FindingView] = field(default_factory=list)
    resolved: list[FindingView] = field(default_factory=list)
    still_open: list[FindingView] = field(default_factory=list)
    #: A check of a past year's report found on the body's first crawl: stored and shown, never pushed.
    backlog: bool = False
    #: "check" (a document new or changed), or "recheck" (the same document checked again after a change of the
    #: rules or the names): then what resolves was not fixed by the body.
    cause: str = "check"

    @property
    def changed(self) -> bool:
        """True when a finding was opened, reopened or resolved."""
        return bool(self.opened or self.reopened or self.resolved)


Policy = Callable[[Reconciled], list[OutboxDraft]]


def combine(results: Sequence[Reconciled]) -> Reconciled:
    """Several reconciliations of one check run (main findings, D603, the D601 resolution) as one.

    Call ``reconcile(..., policy=None)`` for each, then ``add_drafts(session, policy(combine(results)), at)``:
    the body then gets one message for the run instead of one per call. Identity fields come from the first.
    """
    first = results[0]
    merged = Reconciled(
        first.body_id, first.year, first.document_id, first.report_id, first.at, backlog=first.backlog, cause=first.cause
    )
    for result in results:
        merged.opened.extend(result.opened)
        merged.reopened.extend(result.reopened)
        merged.resolved.extend(result.resolved)
        merged.still_open.extend(result.still_open)
    return merged


def _event(session: Session, at: datetime, kind: str, finding: Finding, actor: str = "system", **data: Any) -> None:
    session.add(
        Event(
            at=at,
            kind=kind,
            actor=actor,
            body_id=finding.body_id,
            finding_id=finding.id,
            document_id=finding.document_id,
            data=data,
        )
    )


def reconcile(
    session: Session,
    found: Sequence[FindingInput],
    *,
    body_id: str | None,
    year: int | None,
    document_id: int | None,
    report_id: int | None,
    at: datetime,
    policy: Policy | None = None,
    scope_rules: Sequence[str] | None = None,
    backlog: bool = False,
    adopt: Sequence[int] = (),
    cause: str = "check",
) -> Reconciled:
    """Apply one check run's findings within the caller's transaction.

    The scope is the body and year (or the document when the body is unknown); findings of that scope
    not found again are resolved, except rules in NOT_RECONCILED. With ``scope_rules`` only those rules are
    in scope (the deadline sweep reconciles D601 alone).

    ``backlog``: the run checks a report of a past year found on the body's first crawl; findings it opens are
    marked so (shown as history, never pushed) and the result says so. ``adopt``: documents that were checked
    before without a body (or as another body's); their findings take the new identity when the same rule fails at
    the same place (one finding, not two), and the others are closed as re-attributed, without a notice. ``cause``: see
    :attr:`Reconciled.cause`; it is written on the resolve events of a re-check.
    """
    result = Reconciled(body_id, year, document_id, report_id, at, backlog=backlog, cause=cause)
    if body_id is not None and adopt:
        _adopt(session, found, body_id=body_id, year=year, documents=adopt, at=at)
    seen: set[str] = set()
    for item in found:
        if item.fingerprint in seen:
            continue
        seen.add(item.fingerprint)
        finding = session.scalar(select(Finding).where(Finding.fingerprint == item.fingerprint))
        if finding is None:
            finding = Finding(
                fingerprint=item.fingerprint,
                rule=item.rule,
                severity=item.severity,
                body_id=body_id,
                year=year,
                document_id=document_id,
                report_id=report_id,
                message=item.message,
                locator=item.locator,
                evidence=item.evidence,
                state="open",
                first_seen=at,
                last_seen=at,
                backlog=backlog,
            )
            session.add(finding)
            session.flush()
            _event(session, at, "finding.opened", finding, rule=item.rule, severity=item.severity)
            result.opened.append(view(finding))
            continue
        finding.last_seen = max(finding.last_seen, at)
        finding.message, finding.locator, finding.evidence = item.message, item.locator, item.evidence
        finding.report_id = report_id or finding.report_id
        finding.document_id = document_id or finding.document_id
        if finding.state == "resolved":
            finding.state = "open"
            finding.resolved_at = None
            finding.reopened += 1
            finding.backlog = backlog
            session.flush()
            _event(session, at, "finding.reopened", finding, rule=item.rule)
            result.reopened.append(view(finding))
        else:
            result.still_open.append(view(finding))
    query = select(Finding).where(Finding.state != "resolved")
    if body_id is not None:
        query = query.where(Finding.body_id == body_id, Finding.year == year)
    else:
        query = query.where(Finding.body_id.is_(None), Finding.document_id == document_id)
    if scope_rules is not None:
        query = query.where(Finding.rule.in_(scope_rules))
    else:
        query = query.where(Finding.rule.not_in(NOT_RECONCILED))
    for finding in session.scalars(query):
        if finding.fingerprint in seen:
            continue
        finding.state = "resolved"
        finding.resolved_at = at
        session.flush()
        if cause == "check":
            _event(session, at, "finding.resolved", finding, rule=finding.rule)
        else:
            _event(session, at, "finding.resolved", finding, rule=finding.rule, cause=cause)
        result.resolved.append(view(finding))
    if policy is not None:
        add_drafts(session, policy(result), at)
    return result


def _place(rule: str, locator: dict[str, Any]) -> tuple[str, ...]:
    return (rule, *(str(locator.get(k)) for k in ("section", "table", "row", "column")))


def _adopt(
    session: Session, found: Sequence[FindingInput], *, body_id: str, year: int | None, documents: Sequence[int], at: datetime
) -> None:
    """Give findings made while the documents had no body the identity of this run's findings (see ``reconcile``)."""
    orphans = list(
        session.scalars(
            select(Finding)
            .where(or_(Finding.body_id.is_(None), Finding.body_id != body_id), Finding.document_id.in_(list(documents)))
            .order_by(Finding.id)
        )
    )
    if not orphans:
        return
    wanted = {_place(item.rule, item.locator): item for item in found}
    for finding in orphans:
        item = wanted.pop(_place(finding.rule, finding.locator), None)
        taken = item is not None and session.scalar(select(Finding.id).where(Finding.fingerprint == item.fingerprint)) is not None
        if item is not None and not taken:
            before = finding.fingerprint
            finding.fingerprint, finding.body_id, finding.year = item.fingerprint, body_id, year
            session.flush()
            _event(session, at, "finding.reattributed", finding, rule=finding.rule, previous_fingerprint=before)
        elif finding.state != "resolved":
            finding.state, finding.resolved_at = "resolved", at
            finding.state_reason = "报告已重新归属到单位，问题按单位重新记录"
            session.flush()
            # Not "finding.resolved": nothing was fixed; the digest must not list it as 已整改.
            _event(session, at, "finding.superseded", finding, rule=finding.rule, reason="报告已重新归属，问题按所属单位重新记录")


def open_scopes(session: Session, rule: str) -> list[tuple[str | None, int | None, int | None]]:
    """The (body, year, document) of every unresolved finding of ``rule``: scopes a reconciliation must revisit."""
    rows = session.execute(
        select(Finding.body_id, Finding.year, Finding.document_id).where(Finding.rule == rule, Finding.state != "resolved")
    ).all()
    return sorted({(body, year, document) for body, year, document in rows}, key=str)


def set_finding_documents(session: Session, documents: dict[str, int]) -> None:
    """Point findings (by fingerprint) at the document they are about (one reconciliation may span several)."""
    if not documents:
        return
    for finding in session.scalars(select(Finding).where(Finding.fingerprint.in_(list(documents)))):
        finding.document_id = documents[finding.fingerprint]


class LifecycleError(Exception):
    """A lifecycle command that cannot be applied (unknown finding, wrong state); message in Chinese."""


def _get(session: Session, ident: str) -> Finding:
    query = select(Finding).where(or_(Finding.fingerprint == ident, Finding.fingerprint.startswith(ident)))
    if ident.isdigit():
        query = select(Finding).where(or_(Finding.id == int(ident), Finding.fingerprint == ident))
    matches = list(session.scalars(query.limit(2)))
    if not matches:
        raise LifecycleError(f"找不到问题 {ident}")
    if len(matches) > 1:
        raise LifecycleError(f"{ident} 对应多个问题，请提供更完整的编号")
    return matches[0]


def acknowledge(session: Session, ident: str, *, actor: str, reason: str, at: datetime) -> FindingView:
    """Someone took the finding: open → acknowledged."""
    finding = _get(session, ident)
    if finding.state not in ("open", "muted"):
        raise LifecycleError(f"问题 {finding.id} 当前状态为 {finding.state}，不能确认")
    finding.state, finding.state_by, finding.state_reason = "acknowledged", actor, reason
    _event(session, at, "finding.acknowledged", finding, actor=actor, reason=reason)
    return view(finding)


def mute(session: Session, ident: str, *, actor: str, reason: str, until: datetime, at: datetime) -> FindingView:
    """Silence a finding until ``until`` with a reason (no reminders while muted)."""
    if not reason.strip():
        raise LifecycleError("静默必须说明原因")
    if until <= at:
        raise LifecycleError("静默截止时间必须晚于现在")
    finding = _get(session, ident)
    if finding.state == "resolved":
        raise LifecycleError(f"问题 {finding.id} 已整改，无需静默")
    finding.state, finding.state_by, finding.state_reason, finding.muted_until = "muted", actor, reason, until
    _event(session, at, "finding.muted", finding, actor=actor, reason=reason, until=until.isoformat())
    return view(finding)


def unmute(session: Session, ident: str, *, actor: str, at: datetime, reason: str = "") -> FindingView:
    """End a mute: muted → open."""
    finding = _get(session, ident)
    if finding.state != "muted":
        raise LifecycleError(f"问题 {finding.id} 当前未静默")
    finding.state, finding.state_by, finding.state_reason, finding.muted_until = "open", actor, reason or None, None
    _event(session, at, "finding.unmuted", finding, actor=actor, reason=reason)
    return view(finding)


def expire_mutes(session: Session, at: datetime) -> list[FindingView]:
    """Reopen muted findings whose mute has expired."""
    expired = []
    for finding in session.scalars(select(Finding).where(Finding.state == "muted", Finding.muted_until <= at)):
        finding.state, finding.muted_until = "open", None
        _event(session, at, "finding.unmuted", finding, reason="静默到期")
        expired.append(view(finding))
    return expired


def list_findings(
    session: Session, *, state: str | None = None, body_id: str | None = None, limit: int = 500
) -> list[FindingView]:
    """Findings, newest first, optionally of one state or body."""
    query = select(Finding).order_by(Finding.last_seen.desc(), Finding.id.desc()).limit(limit)
    if state:
        query = query.where(Finding.state == state)
    if body_id:
        query = query.where(Finding.body_id == body_id)
    return [view(f) for f in session.scalars(query)]


def get_finding(session: Session, ident: str) -> FindingView:
    """One finding by id or fingerprint (prefix)."""
    return view(_get(session, ident))


def finding_events(session: Session, finding_id: int) -> list[Event]:
    """The audit trail of one finding, oldest first."""
    return list(session.scalars(select(Event).where(Event.finding_id == finding_id).order_by(Event.id)))
