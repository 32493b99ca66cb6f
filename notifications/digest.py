"""The weekly digest for the county office: where every body stands, what changed, what is stuck.

:func:`build_digest` reads the store for one ISO week (``2026-W05``; by default the last complete week in the
county's time zone); :func:`save_digest` writes ``<digests>/<week>.html`` and ``.txt``; :func:`queue_digest`
puts one outbox row for the county office (key ``digest:<week>``: queuing a week twice sends it once).

The report year a digest looks at is the reporting year of the week's Sunday (reports on year N are due in
N+1). Everything is as of the end of the week (or the moment the digest is built, while the week is not over):
a body's status is the dashboard's (monitor/store/status.py) as the store was then; its counts and the list of
unresolved findings are the findings of the report year in the state they were in then, so the counts and the
list agree; findings of other years are counted per year as history. New and resolved findings are the week's
events, history from first crawls left out; resolutions made by a re-check (not by the body) are not 已整改.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.clock import reporting_year
from monitor.config import Config
from monitor.store import Database
from monitor.store.findings import FindingView
from monitor.store.notify_queries import crawl_health, delivery_issues, finding_changes, findings_as_of, outbox_counts
from monitor.store.outbox import STATE_ZH as DELIVERY_STATE_ZH
from monitor.store.outbox import OutboxDraft, add_drafts
from monitor.store.registry import unreachable_documents
from monitor.store.review import open_review_items
from monitor.store.status import CRAWL_STATUS_ZH, STATUS_ZH, body_statuses, reason_zh, run_reason_zh
from notifications.render import dashboard_link, duration_zh, notification_zh, render_template, rule_title, where
from notifications.routes import COUNTY, body_name, route_name
from rules.deadlines import BODY_TYPE_ZH
from rules.rule import SEVERITY_RANK, SEVERITY_ZH

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
AGE_BUCKETS: tuple[tuple[str, int], ...] = (("7天以内", 7), ("8–30天", 30), ("31–90天", 90), ("90天以上", 10**6))


class WeekError(ValueError):
    """A week that is not written like 2026-W05 (message in Chinese, for the command line)."""


def parse_week(week: str) -> date:
    """The Monday of an ISO week written ``2026-W05``."""
    match = _WEEK.match(week.strip())
    if not match:
        raise WeekError(f"周次格式应为 2026-W05，收到 {week!r}")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise WeekError(f"{week} 不是有效的周次") from None


def week_of(day: date) -> str:
    """The ISO week label of a date."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def last_complete_week(now: datetime, timezone: str) -> str:
    """The week before the one ``now`` falls in (county time): the default digest."""
    return week_of(now.astimezone(ZoneInfo(timezone)).date() - timedelta(days=7))


@dataclass(frozen=True)
class BodyRow:
    """One body's line in the digest: its standing for the report year as of the week's end."""

    id: str
    name: str
    type_zh: str
    status: str
    deadline: date
    published_on: date | None
    days_late: int | None
    url: str | None
    errors: int
    warnings: int
    infos: int
    status_zh: str


@dataclass(frozen=True)
class FindingLine:
    """A finding as the digest lists it."""

    id: int
    body_id: str | None
    year: int | None
    body: str
    rule: str
    rule_title: str
    severity: str
    severity_zh: str
    message: str
    where: str
    age_days: int
    link: str | None


@dataclass(frozen=True)
class Digest:
    """Everything the weekly digest shows; rendered by ``templates/digest.*.j2``."""

    county: str
    week: str
    start: date
    end: date
    generated_at: datetime
    report_year: int
    bodies: list[BodyRow]
    new: list[FindingLine]
    resolved: list[FindingLine]
    open_findings: list[FindingLine]
    age_table: list[dict[str, Any]]
    muted: int
    review: list[dict[str, Any]]
    crawl: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    outbox: dict[str, Any]
    dashboard: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)  # unresolved findings of other years, per year
    as_of: datetime | None = None  # the moment everything in the digest is taken at (the week's end)
    dead_links: list[dict[str, Any]] = field(default_factory=list)  # listed documents that cannot be opened
    slow_retry_every: str = "6小时"  # how often a notice whose attempts are used up is tried again

    @property
    def title(self) -> str:
        """The digest's title (subject line)."""
        return (
            f"【周报】{self.county}政府信息公开年报监测（{self.start.month}月{self.start.day}日—"
            f"{self.end.month}月{self.end.day}日，{self.week}）"
        )


def _line(config: Config, finding: FindingView, today: date, tz: ZoneInfo) -> FindingLine:
    return FindingLine(
        finding.id,
        finding.body_id,
        finding.year,
        body_name(config, finding.body_id),
        finding.rule,
        rule_title(finding.rule),
        finding.severity,
        SEVERITY_ZH.get(finding.severity, finding.severity),
        finding.message,
        where(finding.locator),
        max((today - finding.first_seen.astimezone(tz).date()).days, 0),
        dashboard_link(config, finding.id),
    )


def _by_severity(lines: list[FindingLine]) -> list[FindingLine]:
    return sorted(lines, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.body, f.rule, f.id))


def _age_table(lines: list[FindingLine]) -> list[dict[str, Any]]:
    rows = []
    for severity in ("error", "warning", "info"):
        ages = [f.age_days for f in lines if f.severity == severity]
        counts, low = [], -1
        for _label, high in AGE_BUCKETS:
            counts.append(sum(1 for a in ages if low < a <= high))
            low = high
        rows.append({"severity": severity, "severity_zh": SEVERITY_ZH[severity], "counts": counts, "total": len(ages)})
    return rows


def build_digest(database: Database, config: Config, week: str | None, now: datetime) -> Digest:
    """Read the store for the digest of ``week`` (default: the last complete week), everything as of the end of
    that week (or ``now`` while the week is not over): statuses, findings, counts and crawl health alike."""
    tz = ZoneInfo(config.timezone)
    label = week or last_complete_week(now, config.timezone)
    monday = parse_week(label)
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(days=7)
    as_of = min(end, now)
    today = (as_of - timedelta(microseconds=1)).astimezone(tz).date()
    year = reporting_year(monday + timedelta(days=6))
    deadlines = {body.id: config.deadline_for(body, year)[0] for body in config.bodies}
    with database.transaction() as session:
        standings = {s.body_id: s for s in body_statuses(session, deadlines, year, today, tz=config.timezone, before=as_of)}
        then = findings_as_of(session, as_of)
        changes = finding_changes(session, start, end)
        review = [r for r in open_review_items(session) if r.first_seen < as_of]
        health = crawl_health(session, [p.id for p in config.portals], before=as_of)
        dead = [d for d in unreachable_documents(session) if (d.failing_since or d.first_seen) < as_of]
        issues = delivery_issues(session, start, end)
        outbox = outbox_counts(session)
    unresolved = [f for f in then if f.state in ("open", "acknowledged")]
    muted = sum(1 for f in then if f.state == "muted")
    current = [f for f in unresolved if f.year == year]
    open_lines = _by_severity([_line(config, f, today, tz) for f in current])
    bodies = []
    for body in config.bodies:
        if body.id not in standings:
            continue
        standing = standings[body.id]
        bodies.append(
            BodyRow(
                body.id,
                body.name,
                BODY_TYPE_ZH.get(body.type, body.type),
                standing.status,
                standing.deadline,
                standing.published_on,
                standing.days_late,
                standing.url,
                standing.errors,
                standing.warnings,
                standing.infos,
                standing.status_zh,
            )
        )
    counts = {status: sum(1 for b in bodies if b.status == status) for status in STATUS_ZH}
    counts["has_errors"] = sum(1 for b in bodies if b.errors)
    portals = {p.id: p for p in config.portals}
    crawl = []
    for line in health:
        portal = portals[line.portal_id]
        stale = line.last_success_at is None or as_of - line.last_success_at > timedelta(
            seconds=max(7 * 86400, 3 * portal.poll_interval)
        )
        crawl.append(
            {
                "name": portal.name,
                "last_run": line.last_started_at.astimezone(tz) if line.last_started_at else None,
                "status_zh": CRAWL_STATUS_ZH.get(line.last_status or "", "从未抓取"),
                "reason": run_reason_zh(line.last_reason) if line.last_reason else None,
                "errors": line.last_errors,
                "unreachable": line.unreachable,
                "last_success": line.last_success_at.astimezone(tz) if line.last_success_at else None,
                "failing": line.last_status == "failed" or stale,
                "run_id": line.run_id,
            }
        )
    deliveries = [
        {
            "id": i.outbox_id,
            "kind_zh": notification_zh(i.kind),
            "route": route_name(config, i.route),
            "attempts": i.attempts,
            "error": i.last_error or "",
            "state": i.state,
            "state_zh": DELIVERY_STATE_ZH[i.state],
            "gave_up": i.state == "gave_up",
            "dropped_by": i.dropped_by,
            "when": (i.dropped_at or i.gave_up_at or i.exhausted_at or i.created_at).astimezone(tz),
            "next": i.next_attempt_at.astimezone(tz) if i.next_attempt_at else None,
        }
        for i in issues
    ]
    # Found on first crawls (reports of past years) is history: counted per year, not listed as news.
    news = [c for c in changes if not c.finding.backlog]
    return Digest(
        county=config.county_name,
        week=label,
        start=monday,
        end=monday + timedelta(days=6),
        generated_at=now.astimezone(tz),
        report_year=year,
        bodies=bodies,
        new=_by_severity([_line(config, c.finding, today, tz) for c in news if c.kind != "resolved"]),
        resolved=_by_severity([_line(config, c.finding, today, tz) for c in news if c.kind == "resolved" and c.cause == "check"]),
        open_findings=open_lines,
        age_table=_age_table(open_lines),
        muted=muted,
        review=[
            {
                "body": body_name(config, r.body_id),
                "year": r.year,
                "rule": r.rule,
                "rule_title": rule_title(r.rule),
                "message": r.message,
                "where": where(r.locator),
                "since": r.first_seen.astimezone(tz).date(),
            }
            for r in review
        ],
        crawl=crawl,
        deliveries=deliveries,
        outbox=outbox,
        slow_retry_every=duration_zh(config.notifications.slow_retry_interval),
        dashboard=config.dashboard_url.rstrip("/") if config.dashboard_url else None,
        counts=counts,
        history=_history(unresolved, year),
        as_of=as_of.astimezone(tz),
        dead_links=[
            {
                "body": body_name(config, d.body_id),
                "year": d.year,
                "title": d.title,
                "url": d.url,
                "reason_zh": reason_zh(d.reason),
                "since": (d.failing_since or d.first_seen).astimezone(tz).date(),
            }
            for d in sorted(dead, key=lambda d: (d.body_id or "", -(d.year or 0), d.url))
        ],
    )


def _history(unresolved: list[FindingView], year: int) -> list[dict[str, Any]]:
    """Unresolved findings of other report years, counted per year (newest first)."""
    years: dict[int, dict[str, Any]] = {}
    for finding in unresolved:
        if finding.year is None or finding.year == year:
            continue
        row = years.setdefault(finding.year, {"year": finding.year, "error": 0, "warning": 0, "info": 0, "bodies": set()})
        row[finding.severity] = row.get(finding.severity, 0) + 1
        row["bodies"].add(finding.body_id)
    return [row | {"bodies": len(row["bodies"])} for _year, row in sorted(years.items(), reverse=True)]


def render_digest(digest: Digest) -> tuple[str, str]:
    """The digest as (HTML, text)."""
    context = {"d": digest, "title": digest.title, "county": digest.county, "dashboard": digest.dashboard}
    context |= {"status_zh": STATUS_ZH, "age_labels": [label for label, _ in AGE_BUCKETS]}
    return render_template("digest.html.j2", **context), render_template("digest.txt.j2", **context)


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def digest_folder(config: Config, base: Path | None = None) -> Path:
    """The digests folder (``storage.digests``; relative to ``base`` when given)."""
    folder = Path(config.digests)
    return base / folder if base is not None and not folder.is_absolute() else folder


def save_digest(digest: Digest, config: Config, *, base: Path | None = None) -> tuple[Path, Path]:
    """Write ``<week>.html`` and ``<week>.txt`` to the digests folder (atomically); returns both paths."""
    folder = digest_folder(config, base)
    folder.mkdir(parents=True, exist_ok=True)
    html, text = render_digest(digest)
    paths = (folder / f"{digest.week}.html", folder / f"{digest.week}.txt")
    _write(paths[0], html)
    _write(paths[1], text)
    return paths


def digest_draft(digest: Digest) -> OutboxDraft:
    """The outbox draft sending ``digest`` to the county office (rendered now, so it is sent as saved)."""
    html, text = render_digest(digest)
    return OutboxDraft(
        key=f"digest:{digest.week}",
        kind="digest",
        route=COUNTY,
        body_id=None,
        payload={"week": digest.week, "title": digest.title, "text": text, "html": html},
    )


def queue_digest(database: Database, digest: Digest, now: datetime) -> bool:
    """Queue the digest for the county office; False when this week's digest was queued before."""
    with database.transaction() as session:
        return add_drafts(session, [digest_draft(digest)], now) == 1
