"""Review items: the uncertain outcomes of a check (the rule could not decide), kept for a person to look at.

The processing step records them with :func:`record_review_items` in the transaction that saves the report,
the same way findings are reconciled: by fingerprint within the body and year (or the document when the body
is unknown). An item no longer produced by the latest check is ``gone``; one a person has looked at is
``reviewed`` until a new version of the report raises it again. The weekly digest lists the open ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.store.models import Event, ReviewItem


@dataclass(frozen=True)
class ReviewInput:
    """An uncertain outcome as a check run produced it (fingerprint as ``rules.runner.fingerprint`` makes it)."""

    fingerprint: str
    rule: str
    message: str
    locator: dict[str, Any]


@dataclass(frozen=True)
class ReviewView:
    """A review item detached from the database."""

    id: int
    fingerprint: str
    rule: str
    body_id: str | None
    year: int | None
    document_id: int | None
    report_id: int | None
    message: str
    locator: dict[str, Any]
    state: str
    first_seen: datetime
    last_seen: datetime


def _view(item: ReviewItem) -> ReviewView:
    return ReviewView(
        item.id,
        item.fingerprint,
        item.rule,
        item.body_id,
        item.year,
        item.document_id,
        item.report_id,
        item.message,
        dict(item.locator or {}),
        item.state,
        item.first_seen,
        item.last_seen,
    )


def record_review_items(
    session: Session,
    items: Sequence[ReviewInput],
    *,
    body_id: str | None,
    year: int | None,
    document_id: int | None,
    report_id: int | None,
    at: datetime,
    adopt: Sequence[int] = (),
) -> int:
    """Apply one check's uncertain outcomes in the caller's transaction; returns how many are newly open.

    ``adopt``: documents checked before without a body; their open items are replaced by this body's."""
    opened = 0
    seen: set[str] = set()
    for entry in items:
        if entry.fingerprint in seen:
            continue
        seen.add(entry.fingerprint)
        item = session.scalar(select(ReviewItem).where(ReviewItem.fingerprint == entry.fingerprint))
        if item is None:
            session.add(
                ReviewItem(
                    fingerprint=entry.fingerprint,
                    rule=entry.rule,
                    body_id=body_id,
                    year=year,
                    document_id=document_id,
                    report_id=report_id,
                    message=entry.message,
                    locator=entry.locator,
                    state="open",
                    first_seen=at,
                    last_seen=at,
                )
            )
            opened += 1
            continue
        new_report = report_id is not None and item.report_id != report_id
        item.message, item.locator, item.last_seen = entry.message, entry.locator, max(item.last_seen, at)
        item.document_id = document_id or item.document_id
        item.report_id = report_id or item.report_id
        if item.state == "gone" or (item.state == "reviewed" and new_report):
            item.state, item.reviewed_at, item.reviewed_by = "open", None, None
            opened += 1
    query = select(ReviewItem).where(ReviewItem.state == "open")
    if body_id is not None:
        query = query.where(ReviewItem.body_id == body_id, ReviewItem.year == year)
    else:
        query = query.where(ReviewItem.body_id.is_(None), ReviewItem.document_id == document_id)
    for item in session.scalars(query):
        if item.fingerprint not in seen:
            item.state = "gone"
    if body_id is not None and adopt:
        orphans = select(ReviewItem).where(
            ReviewItem.state == "open",
            or_(ReviewItem.body_id.is_(None), ReviewItem.body_id != body_id),
            ReviewItem.document_id.in_(list(adopt)),
        )
        for item in session.scalars(orphans):
            item.state = "gone"
    session.flush()
    return opened


def mark_reviewed(session: Session, item_id: int, *, actor: str, note: str, at: datetime) -> ReviewView:
    """A person looked at the item: open → reviewed, with who and a note (an event records it)."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise KeyError(item_id)
    item.state, item.reviewed_at, item.reviewed_by, item.note = "reviewed", at, actor, note
    session.add(Event(at=at, kind="review.reviewed", actor=actor, body_id=item.body_id, data={"item": item.id, "note": note}))
    return _view(item)


def open_review_items(session: Session, limit: int = 500) -> list[ReviewView]:
    """Items waiting for a person, oldest first."""
    query = select(ReviewItem).where(ReviewItem.state == "open").order_by(ReviewItem.first_seen, ReviewItem.id).limit(limit)
    return [_view(item) for item in session.scalars(query)]
