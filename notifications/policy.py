"""Policy: what to send, decided in the transaction that changes the findings, so the outbox never disagrees with them.

- :func:`check_policy` → a ``Policy`` for ``monitor.store.findings.reconcile``: per check run, one ``findings``
  message to the body listing its opened and reopened findings (never one per finding), one short ``resolved``
  (已整改) notice listing what resolved, a ``missing`` notice when the deadline sweep opens D601, and nothing
  when nothing changed. Keys come from the body, the report and the fingerprints (with the time for reopen and
  resolve events), so the same change queued twice is one row.
- :func:`deadline_drafts` → the reminder before a deadline (``ReminderPolicy`` of ``monitor.deadline_sweep``).
- :func:`periodic_drafts` (daily): open errors repeated to their body every ``repeat_days`` until resolved or
  muted; errors open longer than ``escalate_days`` escalated to the county office, once per opening.
- :func:`summary_drafts` (after each poll): the county office's one message listing the errors that poll found,
  all bodies together.
- :func:`crawl_problem_drafts` (after each crawl): one ``crawl_problem`` notice to the county office per failing
  episode of a portal — at once when a configured column cannot be read (404, moved, found empty …), after
  :data:`CRAWL_FAILURES_BEFORE_NOTICE` failed runs in a row for any other failure — and never again until the portal
  has finished a run.

Who gets what (docs/operations.md, "Who is told what"): the body's office gets its findings at once; the county
office gets the per-poll summary of new errors, the escalations and the weekly digest, and directly the messages
of bodies without targets and of unattributed reports. It is not copied on each body's message, which would double
its inbox on every check run. History (a past year's report found on a body's first crawl, ``Reconciled.backlog``)
is never pushed, repeated or escalated; a re-check's resolutions (``cause`` "recheck") are not announced as 已整改.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from monitor.config import Body, Config
from monitor.store.findings import FindingView, Policy, Reconciled
from monitor.store.notify_queries import (
    FailedRun,
    OpenFinding,
    Session,
    failing_runs,
    finding_changes,
    record_escalated,
    unresolved_findings,
)
from monitor.store.outbox import OutboxDraft
from monitor.store.status import unavailable_column
from notifications.routes import COUNTY, body_of, route_for

#: Kinds whose successful delivery counts as telling the body about the findings it lists (repeats count from it).
NOTIFYING_KINDS = ("findings", "repeat", "missing")
MISSING_RULE = "D601"
#: Failed runs in a row after which a failure that is not a column's (time limit, crawler error) is told.
CRAWL_FAILURES_BEFORE_NOTICE = 3


def finding_payload(finding: FindingView) -> dict[str, Any]:
    """What a message needs of a finding, JSON-ready (the templates add basis, requirement and links)."""
    return {
        "id": finding.id,
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "locator": dict(finding.locator),
        "body_id": finding.body_id,
        "year": finding.year,
        "document_id": finding.document_id,
        "first_seen": finding.first_seen.isoformat(),
    }


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()[:16]


def _marks(reconciled: Reconciled, opened: Sequence[FindingView], again: Sequence[FindingView]) -> list[str]:
    # An opening happens once per fingerprint; a reopening or a resolution can recur, so its time is part of the key.
    stamp = reconciled.at.isoformat()
    return [f.fingerprint for f in opened] + [f"{f.fingerprint}@{stamp}" for f in again]


def drafts_for(config: Config, reconciled: Reconciled) -> list[OutboxDraft]:
    """The outbox drafts of one reconciled check run (see the module docstring); none for history (a past year's
    report found on the body's first crawl)."""
    if not reconciled.changed or reconciled.backlog:
        return []
    route = route_for(config, reconciled.body_id)
    scope = reconciled.body_id or f"document-{reconciled.document_id}"
    report = reconciled.report_id if reconciled.report_id is not None else "-"
    base: dict[str, Any] = {
        "body_id": reconciled.body_id,
        "year": reconciled.year,
        "report_id": reconciled.report_id,
        "document_id": reconciled.document_id,
    }
    drafts: list[OutboxDraft] = []
    opened = [f for f in reconciled.opened if f.rule != MISSING_RULE]
    reopened = [f for f in reconciled.reopened if f.rule != MISSING_RULE]
    if opened or reopened:
        drafts.append(
            OutboxDraft(
                key=f"findings:{scope}:{report}:{_digest(_marks(reconciled, opened, reopened))}",
                kind="findings",
                route=route,
                body_id=reconciled.body_id,
                payload=base
                | {
                    "findings": [finding_payload(f) for f in [*opened, *reopened]],
                    "still_open": len(reconciled.still_open),
                },
            )
        )
    missing_opened = [f for f in reconciled.opened if f.rule == MISSING_RULE]
    missing_reopened = [f for f in reconciled.reopened if f.rule == MISSING_RULE]
    if missing_opened or missing_reopened:
        drafts.append(
            OutboxDraft(
                key=f"missing:{scope}:{reconciled.year}:{_digest(_marks(reconciled, missing_opened, missing_reopened))}",
                kind="missing",
                route=route,
                body_id=reconciled.body_id,
                payload=base | {"findings": [finding_payload(f) for f in [*missing_opened, *missing_reopened]]},
            )
        )
    if reconciled.resolved and reconciled.cause == "check":  # a re-check's resolutions were not fixed by the body
        drafts.append(
            OutboxDraft(
                key=f"resolved:{scope}:{report}:{_digest(_marks(reconciled, [], reconciled.resolved))}",
                kind="resolved",
                route=route,
                body_id=reconciled.body_id,
                payload=base | {"findings": [finding_payload(f) for f in reconciled.resolved]},
            )
        )
    return drafts


def check_policy(config: Config) -> Policy:
    """The policy ``reconcile`` calls inside its transaction: ``policy(reconciled) -> drafts``."""

    def policy(reconciled: Reconciled) -> list[OutboxDraft]:
        return drafts_for(config, reconciled)

    return policy


def deadline_drafts(body: Body, year: int, deadline: date, days_left: int) -> list[OutboxDraft]:
    """The reminder ``days_left`` (a configured step such as 7, 3, 1) days before ``deadline``, to the body.

    Matches ``monitor.deadline_sweep.ReminderPolicy``; the key (body, year, step) makes each step one message.
    D601 (no report after the deadline) is not made here: the sweep reconciles a D601 finding with
    :func:`check_policy`, which queues the ``missing`` notice, and the finding is then repeated, escalated and
    resolved like any other.
    """
    return [
        OutboxDraft(
            key=f"reminder:{body.id}:{year}:{days_left}",
            kind="reminder",
            route=body.id,
            body_id=body.id,
            payload={"body_id": body.id, "year": year, "deadline": deadline.isoformat(), "days_left": days_left},
        )
    ]


def _repeat_anchor(item: OpenFinding) -> datetime:
    notified = item.finding.last_notified_at
    return max(notified, item.opened_at) if notified is not None else item.opened_at


def periodic_drafts(session: Session, config: Config, now: datetime) -> list[OutboxDraft]:
    """Repeats and escalations due at ``now`` (run daily; the keys make a second run the same day add nothing).

    Repeats: per body, the errors (open or acknowledged, not muted) not told about for ``repeat_days``.
    Escalation: errors open for more than ``escalate_days`` and not escalated since they (re)opened, in one
    message to the county office; a ``finding.escalated`` event is written for each in the caller's transaction.
    A value of 0 switches either off.
    """
    settings = config.notifications
    unresolved = unresolved_findings(session, severities=["error"], backlog=False)
    drafts: list[OutboxDraft] = []
    if settings.repeat_days > 0:
        by_route: dict[str, list[OpenFinding]] = {}
        for item in unresolved:
            if now - _repeat_anchor(item) >= timedelta(days=settings.repeat_days):
                by_route.setdefault(route_for(config, item.finding.body_id), []).append(item)
        for route, items in sorted(by_route.items()):
            marks = [f"{i.finding.id}@{_repeat_anchor(i).isoformat()}" for i in items]
            body_id = None if route == COUNTY else route
            drafts.append(
                OutboxDraft(
                    key=f"repeat:{route}:{_digest(marks)}",
                    kind="repeat",
                    route=route,
                    body_id=body_id,
                    payload={
                        "body_id": body_id,
                        "days": settings.repeat_days,
                        "findings": [finding_payload(i.finding) for i in items],
                    },
                )
            )
    if settings.escalate_days > 0:
        due = [
            item
            for item in unresolved
            if now - item.opened_at > timedelta(days=settings.escalate_days)
            and (item.escalated_at is None or item.escalated_at < item.opened_at)
        ]
        if due:
            record_escalated(session, [i.finding.id for i in due], now, days=settings.escalate_days)
            drafts.append(
                OutboxDraft(
                    key=f"escalation:{_digest(f'{i.finding.id}@{i.opened_at.isoformat()}' for i in due)}",
                    kind="escalation",
                    route=COUNTY,
                    body_id=None,
                    payload={"days": settings.escalate_days, "findings": [finding_payload(i.finding) for i in due]},
                )
            )
    return drafts


def summary_drafts(session: Session, config: Config, since: datetime, now: datetime) -> list[OutboxDraft]:
    """The county office's summary of the errors found in ``[since, now)``: one message per poll, listing every
    error opened or reopened then (history of first crawls left out), whatever the number of bodies.

    Errors of bodies without targets of their own and of unattributed reports are left out: those messages went
    to the county office already. Nothing to say, no message.
    """
    errors: dict[int, FindingView] = {}
    for change in finding_changes(session, since, now):
        finding = change.finding
        if change.kind not in ("opened", "reopened") or finding.severity != "error" or finding.backlog:
            continue
        body = body_of(config, finding.body_id)
        if body is None or not body.notify or finding.state == "resolved":
            continue
        errors[finding.id] = finding
    if not errors:
        return []
    found = sorted(errors.values(), key=lambda f: (f.body_id or "", f.year or 0, f.rule, f.id))
    return [
        OutboxDraft(
            key=f"summary:{_digest(str(f.id) for f in found)}:{since.isoformat()}",
            kind="summary",
            route=COUNTY,
            body_id=None,
            payload={
                "since": since.isoformat(),
                "bodies": len({f.body_id for f in found}),
                "findings": [finding_payload(f) for f in found],
            },
        )
    ]


def _column_problems(run: FailedRun) -> list[dict[str, str]]:
    """The configured columns a failed run could not read, with the reason of each (one per column)."""
    found: dict[str, str] = {}
    for error in run.errors:
        if error.get("kind") == "column" and error.get("url"):
            found.setdefault(str(error["url"]), str(error.get("reason") or ""))
    column = unavailable_column(run.finish_reason)
    if not found and column is not None:  # a column that never answered has no error entry
        url, problem, _others = column
        found[url] = problem
    return [{"url": url, "reason": problem} for url, problem in found.items()]


def crawl_problem_drafts(session: Session, config: Config, portal_id: str, now: datetime) -> list[OutboxDraft]:
    """The county office's ``crawl_problem`` notice about ``portal_id``, called after each of its crawls.

    A failing episode is the portal's failed runs since its latest finished one. It is told once: as soon as a run of
    it could not read a configured column (the column answered 404, moved, says it does not exist, lists no report
    where the last finished run listed many …), else once it holds :data:`CRAWL_FAILURES_BEFORE_NOTICE` failed runs
    (time limit, crawler error: one such run may be a passing hiccup). The key names the episode's first run, so a
    portal that keeps failing is not told again; a finished run ends the episode and the next failure starts a new
    one. ``now`` is when the notice is queued (the caller's clock).
    """
    episode = failing_runs(session, portal_id)
    if not episode:
        return []
    latest, first = episode[-1], episode[0]
    with_columns = [run for run in episode if _column_problems(run)]
    if not with_columns and len(episode) < CRAWL_FAILURES_BEFORE_NOTICE:
        return []
    told = with_columns[-1] if with_columns else latest
    portal = next((p for p in config.portals if p.id == portal_id), None)
    return [
        OutboxDraft(
            key=f"crawl_problem:{portal_id}:{first.id}",
            kind="crawl_problem",
            route=COUNTY,
            body_id=None,
            payload={
                "portal_id": portal_id,
                "portal_name": portal.name if portal is not None else portal_id,
                "since": first.started_at.isoformat(),
                "runs": len(episode),
                "first_run": first.id,
                "run": latest.id,
                "reason": latest.finish_reason,
                "columns": _column_problems(told),
                "queued_at": now.isoformat(),
            },
        )
    ]
