"""Time, injected: the service asks a clock, tests give it a fixed or moving one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time (aware, UTC)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current time (aware, UTC)."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told (tests, the deadline sweep's --today)."""

    at: datetime

    def now(self) -> datetime:
        """The set time."""
        return self.at

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.at += timedelta(**delta)


def local_date(at: datetime, tz: str) -> date:
    """The calendar date of ``at`` in the county's time zone."""
    return at.astimezone(ZoneInfo(tz)).date()


def local_time(at: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``at`` as a person in the county reads it: ``2026-01-20 10:00`` in the time zone ``tz``; empty for None.

    A naive ``at`` is taken as UTC (the store's convention)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(tz)).strftime(fmt)


def reporting_year(today: date) -> int:
    """The current reporting year: the year whose reports are due in ``today``'s calendar year (reports on 2025
    are due by early 2026). Alerts are pushed for it; reports of earlier years found on a first crawl are history."""
    return today.year - 1


def clock_from_env(value: str | None) -> Clock:
    """A FixedClock from ``NIANBAO_NOW`` (ISO date or datetime, for demos and tests), else the system clock."""
    if not value:
        return SystemClock()
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return FixedClock(parsed.astimezone(UTC))
