"""Outbox rows: notifications written in the same transaction as the change that causes them.

A draft's ``key`` is unique: writing the same draft twice (a re-run, a restart) adds nothing.
The dispatcher (``notifications.dispatch``) takes a due row with a conditional update (:func:`claim`), keeps the
claim alive while it sends (:func:`renew`), commits "sending to target T" before each request leaves
(:func:`record_sending`) and each target that accepted (:func:`record_delivered`), and records the attempt with its
outcome (:func:`record_sent`, :func:`record_failed`) in one transaction. A row whose attempts are used up is
*exhausted*: retried on a slow schedule until it is delivered or a person drops it (:func:`drop`); a person can
also make rows due at once (:func:`retry`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.models import DeliveryAttempt, Event, Outbox


@dataclass(frozen=True)
class OutboxDraft:
    """A notification to queue: ``route`` is a body id or "county"; ``payload`` what the templates render."""

    key: str
    kind: str
    route: str
    body_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def add_drafts(session: Session, drafts: list[OutboxDraft], at: datetime) -> int:
    """Queue the drafts not queued before (by key) in the caller's transaction; returns how many were added."""
    added = 0
    for draft in drafts:
        if session.scalar(select(Outbox.id).where(Outbox.key == draft.key)) is not None:
            continue
        session.add(
            Outbox(
                key=draft.key,
                created_at=at,
                kind=draft.kind,
                route=draft.route,
                body_id=draft.body_id,
                payload=draft.payload,
                next_attempt_at=at,
            )
        )
        added += 1
    session.flush()
    return added


# --- Dispatch: claim a due row with a conditional update, then record the attempt and its outcome. ---


@dataclass(frozen=True)
class OutboxItem:
    """An outbox row as the dispatcher sees it (detached from the database)."""

    id: int
    key: str
    kind: str
    route: str
    body_id: str | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    delivered: tuple[str, ...] = ()
    # The target a send had left for when its worker stopped (a crash): it may have been delivered there.
    sending_target: str | None = None
    exhausted_at: datetime | None = None


@dataclass(frozen=True)
class Failure:
    """What became of a failed attempt: retried at ``retry_at``; ``exhausted`` when that is the slow schedule."""

    exhausted: bool
    retry_at: datetime
    attempts: int


def _item(row: Outbox) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.key,
        row.kind,
        row.route,
        row.body_id,
        dict(row.payload or {}),
        row.attempts,
        row.created_at,
        tuple(str(t) for t in (row.delivered or [])),
        row.sending_target,
        row.exhausted_at,
    )


def _open() -> ColumnElement[bool]:
    """Rows still to send: not sent, not given up (before slow retries existed), not dropped by a person."""
    return and_(Outbox.sent_at.is_(None), Outbox.gave_up_at.is_(None), Outbox.dropped_at.is_(None))


def _claimable(now: datetime, lease_seconds: int) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=lease_seconds)
    return and_(_open(), or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale))


def due(
    session: Session, now: datetime, *, lease_seconds: int, limit: int = 50, keys: Sequence[str] | None = None
) -> list[OutboxItem]:
    """Rows due now that nobody holds (or whose holder's lease expired: a crashed worker), oldest first."""
    query = (
        select(Outbox)
        .where(_claimable(now, lease_seconds), Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if keys is not None:
        query = query.where(Outbox.key.in_(list(keys)))
    return [_item(row) for row in session.scalars(query)]


def claim(session: Session, outbox_id: int, *, worker: str, now: datetime, lease_seconds: int) -> bool:
    """Take a row for sending: ``UPDATE … WHERE id = ? AND unclaimed-or-stale``; True only when this worker won it."""
    statement = (
        update(Outbox)
        .where(Outbox.id == outbox_id, _claimable(now, lease_seconds), Outbox.next_attempt_at <= now)
        .values(claimed_at=now, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount == 1


def _held(outbox_id: int, worker: str, held_at: datetime) -> ColumnElement[bool]:
    """The row is still this worker's claim of ``held_at`` (a fencing token: a takeover changes ``claimed_at``)."""
    return and_(Outbox.id == outbox_id, Outbox.claimed_by == worker, Outbox.claimed_at == held_at, _open())


def _changed(session: Session, statement: Any) -> bool:
    result = cast("CursorResult[Any]", session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def renew(session: Session, outbox_id: int, *, worker: str, held_at: datetime, now: datetime) -> bool:
    """Extend the worker's claim to ``now``; False when the claim is no longer its own (expired and taken)."""
    return _changed(session, update(Outbox).where(_held(outbox_id, worker, held_at)).values(claimed_at=now))


def record_sending(session: Session, outbox_id: int, *, worker: str, held_at: datetime, target: str, at: datetime) -> bool:
    """Note that a send to ``target`` is leaving now (commit before it leaves); False when the claim was lost."""
    statement = update(Outbox).where(_held(outbox_id, worker, held_at)).values(sending_at=at, sending_target=target)
    return _changed(session, statement)


def record_delivered(session: Session, outbox_id: int, target: str) -> None:
    """``target`` accepted the row: add it to ``delivered`` (a retry skips it) and clear the sending mark."""
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise KeyError(outbox_id)
    row.delivered = sorted(set(row.delivered or []) | {target})
    row.sending_at = None
    row.sending_target = None


def record_sent(session: Session, outbox_id: int, *, at: datetime, duration_ms: int, delivered: Sequence[str]) -> bool:
    """The send succeeded: the attempt, ``sent_at`` and a ``notification.sent`` event in the caller's transaction.

    False (and no event) when the row was already marked sent by another worker.
    """
    session.add(DeliveryAttempt(outbox_id=outbox_id, at=at, duration_ms=duration_ms, ok=True, error=None))
    statement = (
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.sent_at.is_(None))
        .values(
            sent_at=at,
            attempts=Outbox.attempts + 1,
            last_error=None,
            delivered=list(delivered),
            sending_at=None,
            sending_target=None,
        )
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    if result.rowcount != 1:
        return False
    row = session.get(Outbox, outbox_id)
    if row is not None:
        data = {"outbox_id": row.id, "key": row.key, "kind": row.kind, "route": row.route}
        session.add(Event(at=at, kind="notification.sent", body_id=row.body_id, data=data))
    return True


def record_failed(
    session: Session,
    outbox_id: int,
    *,
    at: datetime,
    duration_ms: int,
    error: str,
    delivered: Sequence[str],
    permanent: bool,
    max_attempts: int,
    retry_base_seconds: int,
    slow_retry_seconds: int = 6 * 3600,
    max_backoff_seconds: int = 6 * 3600,
) -> Failure:
    """The send failed: record the attempt; retry after ``base · 2^(n-1)`` seconds while attempts are left.

    After ``max_attempts`` (or at once on a permanent error: a missing variable, an invalid URL, no target for the
    tag, which heal only when a person fixes the configuration) the row is *exhausted*: retried every
    ``slow_retry_seconds`` until delivered or dropped; a ``notification.exhausted`` event says so once.
    """
    session.add(DeliveryAttempt(outbox_id=outbox_id, at=at, duration_ms=duration_ms, ok=False, error=error))
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise KeyError(outbox_id)
    row.attempts += 1
    row.last_error = error
    row.delivered = sorted(set(row.delivered or []) | set(delivered))
    row.claimed_at = None
    row.sending_at = None
    row.sending_target = None
    if permanent or row.attempts >= max(max_attempts, 1) or row.exhausted_at is not None:
        if row.exhausted_at is None:
            row.exhausted_at = at
            session.add(
                Event(
                    at=at,
                    kind="notification.exhausted",
                    body_id=row.body_id,
                    data={
                        "outbox_id": row.id,
                        "key": row.key,
                        "kind": row.kind,
                        "route": row.route,
                        "attempts": row.attempts,
                        "error": error,
                    },
                )
            )
        row.next_attempt_at = at + timedelta(seconds=max(slow_retry_seconds, 60))
        return Failure(True, row.next_attempt_at, row.attempts)
    delay = min(retry_base_seconds * 2 ** (row.attempts - 1), max_backoff_seconds)
    row.next_attempt_at = at + timedelta(seconds=delay)
    return Failure(False, row.next_attempt_at, row.attempts)


def release(session: Session, outbox_id: int, *, worker: str, retry_at: datetime) -> None:
    """Give a claimed row back without an attempt (quiet hours began, the worker is stopping)."""
    session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.claimed_by == worker, Outbox.sent_at.is_(None))
        .values(claimed_at=None, next_attempt_at=retry_at, sending_at=None, sending_target=None)
        .execution_options(synchronize_session=False)
    )


def get_item(session: Session, outbox_id: int) -> OutboxItem | None:
    """One outbox row by id."""
    row = session.get(Outbox, outbox_id)
    return _item(row) if row is not None else None


@dataclass(frozen=True)
class OutboxState:
    """Where an outbox row stands: sent, exhausted (retried slowly), dropped, or waiting (with its last error)."""

    id: int
    kind: str
    attempts: int
    sent_at: datetime | None
    gave_up_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None
    exhausted_at: datetime | None = None
    dropped_at: datetime | None = None


def state_of(session: Session, key: str) -> OutboxState | None:
    """The state of the row queued under ``key``, or None when nothing was queued under it."""
    row = session.scalar(select(Outbox).where(Outbox.key == key))
    if row is None:
        return None
    return OutboxState(
        row.id,
        row.kind,
        row.attempts,
        row.sent_at,
        row.gave_up_at,
        row.next_attempt_at,
        row.last_error,
        row.exhausted_at,
        row.dropped_at,
    )


# --- Administration: what is waiting or failing, sending again now, dropping for good (nianbao outbox). ---

#: The states of a row, as the administrator's list and the dashboard name them.
STATE_ZH = {
    "waiting": "待发送",
    "sending": "发送中",
    "failed": "重试中",
    "exhausted": "慢速重试",
    "gave_up": "已放弃",
    "dropped": "已取消",
    "sent": "已发送",
}


@dataclass(frozen=True)
class OutboxRow:
    """An outbox row for people: what it is, whom it is for, where it stands."""

    id: int
    key: str
    kind: str
    route: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    gave_up_at: datetime | None
    exhausted_at: datetime | None
    dropped_at: datetime | None
    dropped_by: str | None
    claimed_at: datetime | None
    sending_target: str | None

    @property
    def state(self) -> str:
        """One of :data:`STATE_ZH`: dropped, sent, gave_up (an old row), exhausted, failed, sending or waiting."""
        if self.dropped_at is not None:
            return "dropped"
        if self.sent_at is not None:
            return "sent"
        if self.gave_up_at is not None:
            return "gave_up"
        if self.exhausted_at is not None:
            return "exhausted"
        if self.attempts > 0:
            return "failed"
        return "sending" if self.sending_target is not None else "waiting"

    @property
    def state_zh(self) -> str:
        """The state in Chinese."""
        return STATE_ZH[self.state]


def _row(row: Outbox) -> OutboxRow:
    return OutboxRow(
        row.id,
        row.key,
        row.kind,
        row.route,
        row.attempts,
        row.created_at,
        row.next_attempt_at,
        row.last_error,
        row.sent_at,
        row.gave_up_at,
        row.exhausted_at,
        row.dropped_at,
        row.dropped_by,
        row.claimed_at,
        row.sending_target,
    )


def unsent_rows(session: Session, *, dropped: bool = True, limit: int = 500) -> list[OutboxRow]:
    """Rows not sent (waiting, retrying, exhausted, given up) and, with ``dropped``, those a person dropped; oldest
    first."""
    condition = Outbox.sent_at.is_(None) if dropped else and_(Outbox.sent_at.is_(None), Outbox.dropped_at.is_(None))
    query = select(Outbox).where(condition).order_by(Outbox.created_at, Outbox.id).limit(limit)
    return [_row(r) for r in session.scalars(query)]


def get_row(session: Session, outbox_id: int) -> OutboxRow | None:
    """One row for people, by id."""
    row = session.get(Outbox, outbox_id)
    return _row(row) if row is not None else None


def retry(session: Session, outbox_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Make unsent rows due now (a dropped or given-up row is taken back); returns the ids changed.

    A row another worker is sending keeps its claim; it is due again at once if that send fails.
    """
    changed = []
    for outbox_id in outbox_ids:
        row = session.get(Outbox, outbox_id)
        if row is None or row.sent_at is not None:
            continue
        row.next_attempt_at = now
        row.gave_up_at = None
        row.dropped_at = None
        row.dropped_by = None
        changed.append(row.id)
    session.flush()
    return changed


def failed_ids(session: Session) -> list[int]:
    """Ids of the rows that failed at least once and are still to send (retrying, exhausted, given up)."""
    query = select(Outbox.id).where(
        Outbox.sent_at.is_(None), Outbox.dropped_at.is_(None), or_(Outbox.attempts > 0, Outbox.gave_up_at.is_not(None))
    )
    return list(session.scalars(query.order_by(Outbox.id)))


def drop(session: Session, outbox_id: int, *, by: str, reason: str, at: datetime) -> bool:
    """A person gives an unsent row up: it is never sent; a ``notification.dropped`` event keeps who and why.

    False when the row was already sent or dropped.
    """
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise KeyError(outbox_id)
    if row.sent_at is not None or row.dropped_at is not None:
        return False
    row.dropped_at = at
    row.dropped_by = by[:100]
    session.add(
        Event(
            at=at,
            kind="notification.dropped",
            body_id=row.body_id,
            data={"outbox_id": row.id, "key": row.key, "kind": row.kind, "route": row.route, "by": by, "reason": reason},
        )
    )
    session.flush()
    return True
