"""Where each registered body stands for a report year: on time, late, missing, not yet due; open findings.

The one definition used by the demo table, the dashboard and the weekly digest. A body's report is the earliest
dated document attributed to it (by the crawler or by the check) for the year; without a publication date, the
day it was first seen stands in (an upper bound, as template.md says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import Body, Finding
from monitor.store.notify_queries import publications

STATUS_ZH = {"on_time": "按时公开", "late": "逾期公开", "missing": "逾期未公开", "pending": "未到期限"}

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))


@dataclass(frozen=True)
class BodyStatus:
    """One body's standing for one report year."""

    body_id: str
    name: str
    type: str
    year: int
    deadline: date
    status: str  # on_time | late | missing | pending
    published_on: date | None
    url: str | None
    errors: int
    warnings: int

    @property
    def days_late(self) -> int | None:
        """Days after the deadline the report was published (None unless late)."""
        if self.status != "late" or self.published_on is None:
            return None
        return (self.published_on - self.deadline).days

    @property
    def status_zh(self) -> str:
        """The status in the office's words."""
        if self.days_late:
            return f"{STATUS_ZH['late']}（{self.days_late}天）"
        return STATUS_ZH[self.status]


def standing(published: date | None, deadline: date, today: date) -> str:
    """The status of a report published on ``published`` (None: not found) against ``deadline``, seen ``today``."""
    if published is not None:
        return "late" if published > deadline else "on_time"
    return "missing" if today > deadline else "pending"


def body_statuses(
    session: Session,
    deadlines: dict[str, date],
    year: int,
    today: date,
    *,
    tz: str = "Asia/Shanghai",
    before: datetime | None = None,
) -> list[BodyStatus]:
    """The standing of every active body with a deadline in ``deadlines`` (body id → its date for ``year``).

    ``before`` looks at the store as it was then (documents first seen earlier), for a past week's digest.
    """
    found = publications(session, year, before or _FAR_FUTURE)
    out = []
    for body in session.scalars(select(Body).where(Body.active.is_(True)).order_by(Body.type, Body.id)):
        deadline = deadlines.get(body.id)
        if deadline is None:
            continue
        report = found.get(body.id)
        published = (report.published_on or report.first_seen.astimezone(ZoneInfo(tz)).date()) if report else None
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
                standing(published, deadline, today),
                published,
                report.url if report else None,
                int(counts.get("error", 0)),
                int(counts.get("warning", 0)),
            )
        )
    return out
