"""Processing fetched versions into findings: idempotent, fixed reports resolve, broken again reopen.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from monitor.clock import FixedClock
from monitor.config import Config
from monitor.processing import Processor, sync
from monitor.store import FetchedDocument, Store
from monitor.store.models import Event, Finding, Report
from tests.conftest import seed_text

URL = "http://127.0.0.1/zfxxgknb/jiaohu/2025.html"
FIXED_SECTION_SIX = "本机关2025年度未收取政府信息公开信息处理费。"


def fetch(store: Store, clock: FixedClock, text: str, *, url: str = URL, body: str | None = "jiaohu") -> str:
    outcome, _id = store.crawl.record(
        FetchedDocument(
            url=url,
            data=text.encode("utf-8"),
            fetched_at=clock.now(),
            body_id=body,
            year=2025,
            published_on=date(2026, 1, 20),
            published_from="PubDate",
        )
    )
    return outcome


def counts(store: Store) -> tuple[int, int, dict[str, str]]:
    with store.db.transaction() as session:
        events = session.scalar(select(func.count(Event.id))) or 0
        findings = {f.rule: f.state for f in session.scalars(select(Finding))}
        reports = session.scalar(select(func.count(Report.id))) or 0
    return events, reports, findings


def test_check_then_again_changes_nothing(store: Store, config: Config, clock: FixedClock) -> None:
    sync(store, config)
    assert fetch(store, clock, seed_text("003")) == "new"
    processor = Processor(store, config, clock)
    stats = processor.run()
    assert stats.checked == 1 and stats.opened == 2
    events, reports, findings = counts(store)
    assert findings == {"S106": "open", "S109": "open"}
    assert reports == 1
    clock.advance(hours=1)
    assert processor.run().checked == 0  # nothing pending
    again = processor.recheck_all()
    assert again.checked == 1 and again.opened == again.resolved == 0
    assert counts(store) == (events, reports, findings)


def test_fix_resolves_and_breaking_again_reopens(store: Store, config: Config, clock: FixedClock) -> None:
    sync(store, config)
    broken = seed_text("003")
    fetch(store, clock, broken)
    processor = Processor(store, config, clock)
    processor.run()
    fixed = broken.replace("六、其他需要报告的事项\n\n无", "六、其他需要报告的事项\n\n" + FIXED_SECTION_SIX)
    assert fixed != broken
    clock.advance(days=1)
    assert fetch(store, clock, fixed) == "changed"
    stats = processor.run()
    assert stats.resolved == 1
    _events, _reports, findings = counts(store)
    assert findings == {"S106": "open", "S109": "resolved"}
    clock.advance(days=1)
    assert fetch(store, clock, broken) == "changed"  # the old content again: a version seen before
    processor.run()
    _events, _reports, findings = counts(store)
    assert findings == {"S106": "open", "S109": "open"}
    with store.db.transaction() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.finding_id.is_not(None)).order_by(Event.id))]
        s109 = session.scalar(select(Finding).where(Finding.rule == "S109"))
        assert s109 is not None and s109.reopened == 1
    assert kinds.count("finding.opened") == 2
    assert kinds.count("finding.resolved") == 1
    assert kinds.count("finding.reopened") == 1


def test_body_found_from_the_title_when_the_crawler_did_not_know(store: Store, config: Config, clock: FixedClock) -> None:
    sync(store, config)
    fetch(store, clock, seed_text("000"), url="http://127.0.0.1/other/ciying.html", body=None)
    Processor(store, config, clock).run()
    with store.db.transaction() as session:
        report = session.scalar(select(Report))
        assert report is not None and report.body_id == "ciying" and report.year == 2025
        assert {f.body_id for f in session.scalars(select(Finding))} == {"ciying"}


def test_unreadable_document_is_recorded_not_retried_forever(store: Store, config: Config, clock: FixedClock) -> None:
    sync(store, config)
    fetch(store, clock, "<html><body><p>关于召开会议的通知</p></body></html>")
    processor = Processor(store, config, clock)
    assert processor.run().unreadable == 1
    assert processor.run().unreadable == 0
    with store.db.transaction() as session:
        assert [e.kind for e in session.scalars(select(Event).where(Event.kind == "document.unreadable"))] == [
            "document.unreadable"
        ]


def test_late_publication_is_d602_and_edit_after_deadline_is_d603(store: Store, config: Config, clock: FixedClock) -> None:
    sync(store, config)
    store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/shenji/2025.html",
            data=seed_text("000-fixed").replace("次营镇人民政府", "某县审计局").encode(),
            fetched_at=clock.now(),
            body_id="shenji",
            year=2025,
            published_on=date(2026, 2, 5),
            published_from="PubDate",
        )
    )
    processor = Processor(store, config, clock)
    processor.run()
    clock.advance(days=30)  # 19 February: after the department's 31 January deadline
    edited = seed_text("000-fixed").replace("次营镇人民政府", "某县审计局").replace("行政处罚\t0", "行政处罚\t3")
    store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/shenji/2025.html", data=edited.encode(), fetched_at=clock.now(), body_id="shenji", year=2025
        )
    )
    processor.run()
    with store.db.transaction() as session:
        by_rule = {f.rule: f for f in session.scalars(select(Finding))}
    assert by_rule["D602"].severity == "error" and by_rule["D602"].state == "open"
    assert by_rule["D603"].state == "open"
