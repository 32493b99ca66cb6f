"""The outbox dispatcher: claim due rows, send them, record every attempt; retry with back-off, then give up.

One call of :func:`dispatch_once` is one pass (the service runs it every minute). For each due row:

1. claim it with a conditional update (``UPDATE outbox … WHERE id = ? AND claimed_at IS NULL OR expired``,
   one row or someone else has it) and commit;
2. render and send it, outside any transaction;
3. in one transaction record the attempt (time, duration, error) and the outcome: ``sent_at`` on success (and
   the findings' ``last_notified_at``), else ``next_attempt_at = now + base·2^(n-1)``, or ``gave_up_at`` with a
   ``notification.gave_up`` event after ``max_attempts`` or a permanent error.

Guarantees: a row is only written as sent after its send succeeded, so a restart never loses one; a sent row is
never claimed again, so a restart never repeats one. The one window left is a crash after the send and before
its commit: the claim then expires after the lease (10 minutes) and the row is sent once more. healthchecks
has the same window; closing it would need the receiving services to deduplicate.
During quiet hours (county time) rows are left waiting unless their payload says ``"urgent": true``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config import Config
from monitor.store import Database
from monitor.store.notify_queries import ReportRef, Session, mark_notified, report_ref
from monitor.store.outbox import OutboxItem, claim, due, record_failed, record_sent
from notifications.policy import NOTIFYING_KINDS
from notifications.render import render_message
from notifications.routes import route_tags
from notifications.transports import Message, Transport, TransportError, build_transport

log = logging.getLogger("nianbao.notifications")

#: A claim older than this is a crashed worker's: the row may be taken again.
LEASE_SECONDS = 600


@dataclass
class DispatchStats:
    """What one pass did."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    deferred: int = 0
    lost: int = 0  # claimed by another worker first

    def as_dict(self) -> dict[str, int]:
        """The counters as a mapping (for logs and JSON)."""
        return dict(self.__dict__)


def quiet_until(config: Config, now: datetime) -> datetime | None:
    """When the current quiet hours end (aware UTC), or None outside quiet hours (or none configured)."""
    if config.notifications.quiet_hours is None:
        return None
    tz = ZoneInfo(config.timezone)
    local = now.astimezone(tz)
    start, end = (clock_time.fromisoformat(t) for t in config.notifications.quiet_hours)
    current = local.time()
    inside = start <= current < end if start <= end else (current >= start or current < end)
    if not inside:
        return None
    end_day = local.date() if current < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


def _refs(session: Session, item: OutboxItem) -> tuple[ReportRef | None, dict[int, ReportRef]]:
    payload = item.payload
    report = report_ref(session, payload.get("report_id"), payload.get("document_id"))
    refs: dict[int, ReportRef] = {}
    for finding in payload.get("findings", []):
        document_id = finding.get("document_id")
        if document_id is not None and document_id not in refs:
            ref = report_ref(session, None, int(document_id))
            if ref is not None:
                refs[int(document_id)] = ref
    return report, refs


def build_message(session: Session, config: Config, item: OutboxItem, now: datetime) -> Message:
    """Render an outbox row with what the store says of its report(s) now."""
    payload: dict[str, Any] = {"body_id": item.body_id, **item.payload}
    report, refs = _refs(session, item)
    return render_message(item.kind, payload, config, now=now, report=report, refs=refs)


def _finding_ids(item: OutboxItem) -> list[int]:
    return [int(f["id"]) for f in item.payload.get("findings", []) if f.get("id") is not None]


def _send_one(database: Database, config: Config, transport: Transport, item: OutboxItem, now: datetime) -> str:
    """Send one claimed row and record the outcome: ``sent``, ``failed`` or ``gave_up``."""
    started = time.monotonic()
    delivered: Sequence[str] = ()
    error: str | None
    permanent: bool
    try:
        with database.transaction() as session:
            message = build_message(session, config, item, now)
    except Exception as exc:  # a payload the templates cannot render will not render next time either
        error, permanent = f"无法生成消息：{type(exc).__name__}: {exc}", True
    else:
        try:
            delivered = transport.send(route_tags(config, item.route), message, skip=item.delivered)
            error, permanent = None, False
        except TransportError as exc:
            error, permanent, delivered = exc.message, exc.permanent, exc.delivered
        except Exception as exc:  # a bug in a transport must not leave the row claimed until the lease expires
            error, permanent = f"{type(exc).__name__}: {exc}", False
    duration_ms = int((time.monotonic() - started) * 1000)
    with database.transaction() as session:
        if error is None:
            first = record_sent(session, item.id, at=now, duration_ms=duration_ms, delivered=[*item.delivered, *delivered])
            if first and item.kind in NOTIFYING_KINDS:
                mark_notified(session, _finding_ids(item), now)
            log.info("notification %s (%s → %s) sent in %d ms", item.id, item.kind, item.route, duration_ms)
            return "sent"
        failure = record_failed(
            session,
            item.id,
            at=now,
            duration_ms=duration_ms,
            error=error,
            delivered=delivered,
            permanent=permanent,
            max_attempts=config.notifications.max_attempts,
            retry_base_seconds=config.notifications.retry_base_seconds,
        )
    if failure.gave_up:
        log.warning(
            "notification %s (%s → %s) given up after %d attempts: %s", item.id, item.kind, item.route, failure.attempts, error
        )
        return "gave_up"
    log.warning("notification %s (%s → %s) failed, retry at %s: %s", item.id, item.kind, item.route, failure.retry_at, error)
    return "failed"


def dispatch_once(
    database: Database,
    config: Config,
    now: datetime,
    *,
    worker: str = "dispatcher",
    sender: Transport | None = None,
    limit: int = 50,
    lease_seconds: int = LEASE_SECONDS,
    keys: Sequence[str] | None = None,
    base: Path | None = None,
) -> DispatchStats:
    """Send what is due at ``now`` (at most ``limit`` rows; only ``keys`` when given) and return what happened.

    ``sender`` defaults to :func:`notifications.transports.build_transport` (apprise, or the file sink when no
    target is configured; ``base`` is the folder relative paths are taken from).
    """
    transport = sender or build_transport(config, base=base)
    stats = DispatchStats()
    with database.transaction() as session:
        items = due(session, now, lease_seconds=lease_seconds, limit=limit, keys=keys)
    stats.due = len(items)
    quiet = quiet_until(config, now)
    for item in items:
        if quiet is not None and not item.payload.get("urgent"):
            stats.deferred += 1
            continue
        with database.transaction() as session:
            won = claim(session, item.id, worker=worker, now=now, lease_seconds=lease_seconds)
        if not won:
            stats.lost += 1
            continue
        stats.claimed += 1
        outcome = _send_one(database, config, transport, item, now)
        setattr(stats, outcome, getattr(stats, outcome) + 1)
    return stats
