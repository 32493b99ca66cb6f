"""The outbox dispatcher: claim due rows, send them, record every attempt; retry with back-off, then slowly.

One call of :func:`dispatch_once` is one pass (the service runs it every minute). For each due row:

1. claim it with a conditional update (``UPDATE outbox … WHERE id = ? AND claimed_at IS NULL OR expired``,
   one row or someone else has it) and commit; the claim is a short lease (:data:`LEASE_SECONDS`) that a thread
   renews while the send runs, so a crashed worker's rows wait about a minute, not the length of a send;
2. render it, with its stable id (:func:`notice_id`, the same on every retry: the e-mail's Message-ID, the
   webhooks' Idempotency-Key, the chat robots' footer);
3. for each target: commit "sending to target T" (``sending_at``, ``sending_target``) before the request leaves,
   and T in ``delivered`` when it accepted;
4. in one transaction record the attempt (time, duration, error) and the outcome: ``sent_at`` on success (and
   the findings' ``last_notified_at``), else ``next_attempt_at = now + base·2^(n-1)``; after ``max_attempts`` (or a
   permanent error) the row is *exhausted* and retried every ``notifications.slow_retry_interval`` until it is
   delivered or a person drops it (``nianbao outbox drop``).

Guarantees: a row is only written as sent after its send succeeded, so a restart never loses one; a target is
written as delivered right after it accepted, so a restart repeats at most the one send that was in flight when
the process died (``sending_target`` says which); that repeat carries the same id, so a receiver that honours it
drops it. During quiet hours (county time) rows are left waiting unless their payload says ``"urgent": true``.

``NIANBAO_FAULT=<point>`` (one of :data:`FAULT_POINTS`) makes the process kill itself with SIGKILL at that point
of the first send: the reliability tests' fault injection (tests/reliability/).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config import Config
from monitor.store import Database
from monitor.store.faults import SEND_POINTS, fault
from monitor.store.notify_queries import ReportRef, Session, mark_notified, report_ref
from monitor.store.outbox import (
    OutboxItem,
    claim,
    due,
    record_delivered,
    record_failed,
    record_sending,
    record_sent,
    renew,
)
from notifications.policy import NOTIFYING_KINDS
from notifications.render import render_message
from notifications.routes import route_tags
from notifications.transports import Message, Transport, TransportError, build_transport

log = logging.getLogger("nianbao.notifications")

#: A claim not renewed for this long is a crashed worker's: the row may be taken again.
LEASE_SECONDS = 60

#: Where ``NIANBAO_FAULT`` can kill a dispatcher (see :mod:`monitor.store.faults`).
FAULT_POINTS = SEND_POINTS


def notice_id(item: OutboxItem) -> str:
    """The stable id of an outbox row's notice: the same on every retry, different for every row (and database)."""
    digest = hashlib.sha256(f"{item.key}\n{item.created_at.isoformat()}".encode()).hexdigest()[:12]
    return f"nianbao-{item.id}-{digest}"


class LeaseLostError(Exception):
    """The claim expired and another worker took the row (or a person dropped it): stop sending it."""


class Lease:
    """A claimed row kept claimed while its send runs: renewed every third of the lease by a thread, and the
    fencing token (``claimed_at``) every write of this worker about the row is conditional on.

    Times are the pass's ``now`` plus the real time elapsed since the claim (the pass's clock may be fixed).
    """

    def __init__(self, database: Database, item: OutboxItem, worker: str, claimed_at: datetime, lease_seconds: int) -> None:
        self.database = database
        self.item = item
        self.worker = worker
        self.held_at = claimed_at
        self.lost = False
        self._claimed_at = claimed_at
        self._started = time.monotonic()
        self._interval = max(lease_seconds / 3, 0.01)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{item.id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> datetime:
        """The pass's time plus the real time elapsed since the claim."""
        return self._claimed_at + timedelta(seconds=time.monotonic() - self._started)

    def _keep(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self.renew():
                    return
            except Exception:  # a busy database: the next renewal may succeed, and the lease is three renewals long
                log.warning("notification %s: could not renew the claim", self.item.id, exc_info=True)

    def renew(self) -> bool:
        """Extend the claim; False (and :attr:`lost`) when it is no longer ours."""
        with self._lock:
            if self.lost:
                return False
            at = self.now()
            with self.database.transaction() as session:
                ok = renew(session, self.item.id, worker=self.worker, held_at=self.held_at, now=at)
            if ok:
                self.held_at = at
            else:
                self.lost = True
            return ok

    def sending(self, target: str) -> None:
        """Commit "sending to ``target``" before the request leaves; :class:`LeaseLostError` when the row is not ours."""
        with self._lock:
            if not self.lost:
                with self.database.transaction() as session:
                    ok = record_sending(
                        session, self.item.id, worker=self.worker, held_at=self.held_at, target=target, at=self.now()
                    )
                self.lost = not ok
            if self.lost:
                raise LeaseLostError(self.item.id)
        fault("after_sending")

    def delivered(self, target: str) -> None:
        """Commit that ``target`` accepted the row (a retry skips it)."""
        fault("after_send")
        with self._lock, self.database.transaction() as session:
            record_delivered(session, self.item.id, target)


@dataclass
class DispatchStats:
    """What one pass did."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    exhausted: int = 0  # failed with no attempts left: retried on the slow schedule
    deferred: int = 0
    lost: int = 0  # claimed by another worker first (or its claim lost while sending)
    resent: int = 0  # rows a crashed worker may have delivered to a target already, sent again with the same id

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


def _send_one(database: Database, config: Config, transport: Transport, lease: Lease, now: datetime) -> str:
    """Send one claimed row and record the outcome: ``sent``, ``failed``, ``exhausted`` or ``lost``."""
    item = lease.item
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
        message = replace(message, notice_id=notice_id(item), repeat=item.sending_target is not None)
        if item.sending_target is not None:
            log.warning(
                "notification %s may have reached %s before its worker stopped: sending it again with the same id %s",
                item.id,
                item.sending_target,
                message.notice_id,
            )
        try:
            delivered = transport.send(
                route_tags(config, item.route), message, skip=item.delivered, before=lease.sending, after=lease.delivered
            )
            error, permanent = None, False
        except LeaseLostError:
            log.warning("notification %s: claim lost while sending (another worker has it now)", item.id)
            return "lost"
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
            outcome = "sent"
        else:
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
                slow_retry_seconds=config.notifications.slow_retry_interval,
            )
            outcome = "exhausted" if failure.exhausted else "failed"
    fault("after_commit")
    if outcome == "sent":
        log.info("notification %s (%s → %s) sent in %d ms", item.id, item.kind, item.route, duration_ms)
    elif outcome == "exhausted":
        log.warning(
            "notification %s (%s → %s) failed %d times, retried slowly from now on (next at %s): %s",
            item.id,
            item.kind,
            item.route,
            failure.attempts,
            failure.retry_at,
            error,
        )
    else:
        log.warning("notification %s (%s → %s) failed, retry at %s: %s", item.id, item.kind, item.route, failure.retry_at, error)
    return outcome


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
        fault("after_claim")
        stats.claimed += 1
        stats.resent += item.sending_target is not None
        with Lease(database, item, worker, now, lease_seconds) as lease:
            outcome = _send_one(database, config, transport, lease, now)
        setattr(stats, outcome, getattr(stats, outcome) + 1)
    return stats
