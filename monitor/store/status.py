"""Where each registered body stands for a report year: on time, late, missing, not yet due; open findings.

One definition used by the demo table, the digest and the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import Body, Document, Finding

STATUS_ZH = {"on_time": "按时公开", "late": "逾期公开", "missing": "未公开", "pending": "未到期限", "unknown": "发布日期不明"}


@dataclass(frozen=True)
class BodyStatus:
    """One body's standing for one report year."""

    body_id: str
    name: str
    type: str
    year: int
    deadline: date
    status: str  # on_time | late | missing | pending | unknown
    published_on: date | None
    url: str | None
    errors: int
    warnings: int

    @property
    def status_zh(self) -> str:
        """The status in the office's words."""
        return STATUS_ZH[self.status]


def body_statuses(session: Session, deadlines: dict[str, date], year: int, today: date) -> list[BodyStatus]:
    """The standing of every active body; ``deadlines`` maps body id → its deadline for ``year``."""
    out = []
    for body in session.scalars(select(Body).where(Body.active.is_(True)).order_by(Body.type, Body.id)):
        deadline = deadlines.get(body.id)
        if deadline is None:
            continue
        document = session.scalar(
            select(Document)
            .where(Document.body_id == body.id, Document.year == year, Document.status == "active")
            .order_by(Document.published_on.is_(None), Document.published_on, Document.id)
            .limit(1)
        )
        if document is None:
            status = "missing" if today > deadline else "pending"
            published, url = None, None
        else:
            published, url = document.published_on, document.url
            if published is None:
                status = "unknown"
            else:
                status = "on_time" if published <= deadline else "late"
        counts = dict(
            session.execute(
                select(Finding.severity, func.count(Finding.id))
                .where(Finding.body_id == body.id, Finding.year == year, Finding.state.in_(("open", "acknowledged")))
                .group_by(Finding.severity)
            ).all()
        )
        out.append(
            BodyStatus(
                body.id,
                body.name,
                body.type,
                year,
                deadline,
                status,
                published,
                url,
                int(counts.get("error", 0)),
                int(counts.get("warning", 0)),
            )
        )
    return out
