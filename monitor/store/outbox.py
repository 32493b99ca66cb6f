"""Outbox rows: notifications written in the same transaction as the change that causes them.

A draft's ``key`` is unique: writing the same draft twice (a re-run, a restart) adds nothing.
The dispatcher (``notifications.dispatch``) takes a due row with a conditional update (:func:`claim`), sends it,
and records the attempt with its outcome (:func:`record_sent`, :func:`record_failed`) in one transaction.
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


@dataclass(frozen=True)
class Failure:
    """What became of a failed attempt: retried at ``retry_at``, or given up."""

    gave_up: bool
    retry_at: datetime | None
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
    )


def _claimable(now: datetime, lease_seconds: int) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=lease_seconds)
    return and_(
        Outbox.sent_at.is_(None),
        Outbox.gave_up_at.is_(None),
        or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < stale),
    )


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


def record_sent(session: Session, outbox_id: int, *, at: datetime, duration_ms: int, delivered: Sequence[str]) -> bool:
    """The send succeeded: the attempt, ``sent_at`` and a ``notification.sent`` event in the caller's transaction.

    False (and no event) when the row was already marked sent by another worker.
    """
    session.add(DeliveryAttempt(outbox_id=outbox_id, at=at, duration_ms=duration_ms, ok=True, error=None))
    statement = (
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.sent_at.is_(None))
        .values(sent_at=at, attempts=Outbox.attempts + 1, last_error=None, delivered=list(delivered))
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
    max_backoff_seconds: int = 6 * 3600,
) -> Failure:
    """The send failed: record the attempt; retry after ``base · 2^(n-1)`` seconds, or give up (an event says so).

    A permanent error (a missing variable, an invalid URL, no target for the tag) gives up at once.
    """
    session.add(DeliveryAttempt(outbox_id=outbox_id, at=at, duration_ms=duration_ms, ok=False, error=error))
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise KeyError(outbox_id)
    row.attempts += 1
    row.last_error = error
    row.delivered = sorted(set(row.delivered or []) | set(delivered))
    row.claimed_at = None
    if permanent or row.attempts >= max(max_attempts, 1):
        row.gave_up_at = at
        session.add(
            Event(
                at=at,
                kind="notification.gave_up",
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
        return Failure(True, None, row.attempts)
    delay = min(retry_base_seconds * 2 ** (row.attempts - 1), max_backoff_seconds)
    row.next_attempt_at = at + timedelta(seconds=delay)
    return Failure(False, row.next_attempt_at, row.attempts)


def release(session: Session, outbox_id: int, *, worker: str, retry_at: datetime) -> None:
    """Give a claimed row back without an attempt (quiet hours began, the worker is stopping)."""
    session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.claimed_by == worker, Outbox.sent_at.is_(None))
        .values(claimed_at=None, next_attempt_at=retry_at)
        .execution_options(synchronize_session=False)
    )


def get_item(session: Session, outbox_id: int) -> OutboxItem | None:
    """One outbox row by id."""
    row = session.get(Outbox, outbox_id)
    return _item(row) if row is not None else None


@dataclass(frozen=True)
class OutboxState:
    """Where an outbox row stands: sent, given up, or waiting (with its last error)."""

    id: int
    kind: str
    attempts: int
    sent_at: datetime | None
    gave_up_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None


def state_of(session: Session, key: str) -> OutboxState | None:
    """The state of the row queued under ``key``, or None when nothing was queued under it."""
    row = session.scalar(select(Outbox).where(Outbox.key == key))
    if row is None:
        return None
    return OutboxState(row.id, row.kind, row.attempts, row.sent_at, row.gave_up_at, row.next_attempt_at, row.last_error)
