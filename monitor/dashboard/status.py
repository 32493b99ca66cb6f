"""Each registered body's standing for a report year, as the overview page and ``/api/bodies`` show it.

The standing itself (on time, late, missing, not yet due; unresolved errors and warnings) is
:meth:`monitor.app.App.statuses`, the one definition the demo, the digest and the dashboard share; the dashboard
adds how many findings are muted and the days left before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.app import App
from monitor.clock import local_date
from monitor.store.dashboard_queries import finding_counts, known_years
from monitor.store.status import BodyStatus


@dataclass(frozen=True)
class OverviewRow:
    """A body's standing with what the dashboard adds to it."""

    standing: BodyStatus
    muted: int
    days_left: int | None


def due_year(app: App) -> int:
    """The report year whose reports are due now: last calendar year in the county's time zone."""
    return local_date(app.clock.now(), app.config.timezone).year - 1


def overview(app: App, year: int) -> list[OverviewRow]:
    """Every registered body's standing for ``year``."""
    today = local_date(app.clock.now(), app.config.timezone)
    with app.store.db.transaction() as session:
        counts = finding_counts(session, year)
    rows = []
    for standing in app.statuses(year):
        muted = counts[standing.body_id].muted if standing.body_id in counts else 0
        days_left = (standing.deadline - today).days if standing.status == "pending" else None
        rows.append(OverviewRow(standing, muted, days_left))
    return rows


def years(app: App) -> list[int]:
    """Years to choose from: the due year and every year with data, newest first."""
    with app.store.db.transaction() as session:
        found = set(known_years(session))
    return sorted(found | {due_year(app)}, reverse=True)
