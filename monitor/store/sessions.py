"""Dashboard sessions kept on the server.

The browser's signed cookie carries only a random token; the table ``dashboard_sessions`` keeps the SHA-256 of
that token with the user, the mark of the password hash the user logged in with, and when the session was
created, last seen, expires and ended. A session is valid while its row exists, is not ended and not expired:
ending the row (logout) ends every copy of the cookie at once. Every function works in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, update
from sqlalchemy.orm import Session

from monitor.store.models import DashboardSession


@dataclass(frozen=True)
class SessionView:
    """A dashboard session detached from the database (``id`` is the SHA-256 of its token, never the token)."""

    id: str
    user: str
    password_mark: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def session_id(token: str) -> str:
    """The stored id of a token: its SHA-256 in hex (a stolen database does not yield usable cookies)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(session: Session, user: str, password_mark: str, *, now: datetime, lifetime: timedelta) -> str:
    """Record a new session of ``user`` expiring ``lifetime`` after ``now``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            id=session_id(token),
            user=user,
            password_mark=password_mark,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def valid_session(session: Session, token: str, *, now: datetime) -> SessionView | None:
    """The session of ``token`` when it exists, has not ended and has not expired at ``now``; else None."""
    row = session.get(DashboardSession, session_id(token))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return SessionView(row.id, row.user, row.password_mark, row.created_at, row.last_seen_at, row.expires_at, row.ended_at)


def touch_session(session: Session, token: str, *, now: datetime) -> None:
    """Record that the session of ``token`` was used at ``now``."""
    session.execute(update(DashboardSession).where(DashboardSession.id == session_id(token)).values(last_seen_at=now))


def end_session(session: Session, token: str, *, now: datetime) -> bool:
    """End the session of ``token`` (logout); returns whether a running session was ended."""
    statement = (
        update(DashboardSession)
        .where(DashboardSession.id == session_id(token), DashboardSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return cast("CursorResult[Any]", session.execute(statement)).rowcount > 0


def purge_sessions(session: Session, *, before: datetime) -> int:
    """Delete the sessions that expired or ended before ``before`` (they can never be valid again)."""
    statement = delete(DashboardSession).where(or_(DashboardSession.expires_at < before, DashboardSession.ended_at < before))
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
