"""A first-seen date is an upper bound of the publication date, never the date itself: on time when the report was
seen by the deadline, uncertain (发布日期无法确定) after it, never 逾期公开 — in the rules (D602) and in the status
every page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from documents import extract
from documents.dates import FIRST_SEEN
from monitor.processing import publication_dates
from monitor.store.registry import PendingVersion
from monitor.store.status import BodyStatus, standing
from rules import Context, parse_report, run_rules

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "000_ad9f366bd17ffa18.txt"
DEADLINE = date(2026, 1, 31)


def d602(**context: object) -> list[tuple[str, str]]:
    report = parse_report(extract(SEED.read_bytes()))
    result = run_rules(report, Context(year=2025, body_type="town", deadline=DEADLINE, **context))  # type: ignore[arg-type]
    return [(o.status, o.message) for o in result.outcomes if o.rule.id == "D602"]


def test_d602_with_only_a_first_seen_date() -> None:
    assert d602(seen_by=date(2026, 1, 20)) == [("pass", "")]
    [(status, message)] = d602(seen_by=date(2026, 4, 1))
    assert status == "uncertain" and message.startswith("发布日期无法确定，首次发现于2026-04-01")
    [(status, _message)] = d602(published_on=date(2026, 4, 1))
    assert status == "fail"


def test_status_by_the_upper_bound() -> None:
    assert standing(None, DEADLINE, date(2026, 5, 1), seen=date(2026, 1, 20)) == "on_time"
    assert standing(None, DEADLINE, date(2026, 5, 1), seen=date(2026, 4, 1)) == "uncertain"
    assert standing(date(2026, 4, 1), DEADLINE, date(2026, 5, 1)) == "late"
    assert standing(None, DEADLINE, date(2026, 5, 1), unreachable=True) == "unreachable"
    assert standing(None, DEADLINE, date(2026, 5, 1)) == "missing"
    row = BodyStatus("x", "某镇", "town", 2025, DEADLINE, "uncertain", None, None, 0, 0, 0, date(2026, 4, 1))
    assert row.status_zh == "发布日期无法确定，首次发现于2026-04-01"


def version(published_on: date | None, source: str | None) -> PendingVersion:
    at = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
    return PendingVersion(1, 1, "0" * 64, "http://127.0.0.1/x.html", "x", 2025, None, published_on, True, at, None, source, at)


def test_which_date_the_check_gets() -> None:
    assert publication_dates(version(date(2026, 1, 19), "list"), "Asia/Shanghai") == (date(2026, 1, 19), None)
    assert publication_dates(version(date(2026, 4, 1), FIRST_SEEN), "Asia/Shanghai") == (None, date(2026, 4, 1))
    assert publication_dates(version(None, None), "Asia/Shanghai") == (None, date(2026, 4, 1))
