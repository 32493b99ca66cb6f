"""The daily deadline sweep: reminders before a body's deadline, D601 after it when no report was found.

Reminders are due once each: on a day ``n`` or fewer days before the deadline, the reminder for the
smallest configured ``n`` not yet sent goes out, so a day the service was down loses nothing.
A body whose portal's last crawl failed gets no D601 (that is a crawl problem, reported as such).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from monitor.clock import Clock, local_date, reporting_year
from monitor.config import Body, Config
from monitor.processing import Policy, deadline_for
from monitor.store import Store
from monitor.store.findings import FindingInput, reconcile
from monitor.store.outbox import OutboxDraft, add_drafts
from monitor.store.registry import event_exists, has_report, portal_healthy, record_event
from notifications.policy import deadline_drafts
from rules.deadlines import BODY_TYPE_ZH

#: Builds the reminder notification for a body: (body, report year, deadline, days left) → drafts.
ReminderPolicy = Callable[[Body, int, date, int], list[OutboxDraft]]


@dataclass
class SweepStats:
    """What one sweep did."""

    reminders: list[tuple[str, int]] = field(default_factory=list)  # (body id, days before)
    missing: list[str] = field(default_factory=list)  # bodies given D601
    skipped: list[str] = field(default_factory=list)  # bodies whose portal is failing


def _fingerprint(body_id: str, year: int) -> str:
    return hashlib.sha256(f"D601|{body_id}|{year}".encode()).hexdigest()[:16]


def sweep(
    store: Store,
    config: Config,
    clock: Clock,
    *,
    policy: Policy | None = None,
    reminder_policy: ReminderPolicy = deadline_drafts,
) -> SweepStats:
    """Run the sweep for the reports on last year (the year whose reports are due now)."""
    now = clock.now()
    today = local_date(now, config.timezone)
    year = reporting_year(today)
    stats = SweepStats()
    for body in config.bodies:
        deadline, _statutory = deadline_for(config, body, year)
        with store.db.transaction() as session:
            if has_report(session, body.id, year):
                continue
            if today <= deadline:
                days_left = (deadline - today).days
                due = [n for n in sorted(config.reminder_days) if days_left <= n]
                if not due:
                    continue
                step = due[0]
                key = f"reminder:{body.id}:{year}:{step}"
                if event_exists(session, "deadline.reminder", key):
                    continue
                record_event(
                    session,
                    now,
                    "deadline.reminder",
                    body_id=body.id,
                    key=key,
                    year=year,
                    deadline=deadline.isoformat(),
                    days_left=days_left,
                )
                add_drafts(session, reminder_policy(body, year, deadline, step), now)
                stats.reminders.append((body.id, step))
                continue
            if not portal_healthy(session, body.portal):
                key = f"skip:{body.id}:{year}:{today.isoformat()}"
                if not event_exists(session, "deadline.skipped", key):
                    record_event(session, now, "deadline.skipped", body_id=body.id, key=key, year=year, reason="门户网站抓取失败")
                stats.skipped.append(body.id)
                continue
            finding = FindingInput(
                _fingerprint(body.id, year),
                "D601",
                "error",
                f"{body.name}的{year}年度政府信息公开工作年度报告在公开期限（{deadline.isoformat()}，"
                f"{BODY_TYPE_ZH[body.type]}）之后仍未在门户网站找到。",
                {"section": None, "table": None, "row": "年度报告", "column": None, "source": None},
                {"deadline": deadline.isoformat(), "checked_on": today.isoformat()},
            )
            result = reconcile(
                session,
                [finding],
                body_id=body.id,
                year=year,
                document_id=None,
                report_id=None,
                at=now,
                policy=policy,
                scope_rules=["D601"],
            )
            if result.opened or result.reopened:
                stats.missing.append(body.id)
    return stats
