"""Outbox rows: notifications written in the same transaction as the change that causes them.

A draft's ``key`` is unique: writing the same draft twice (a re-run, a restart) adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import Outbox


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
