"""The deadline sweep with an injected clock: reminders before, D601 after each body type's deadline.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from monitor.clock import FixedClock
from monitor.config import Config
from monitor.deadline_sweep import sweep
from monitor.processing import Processor, sync
from monitor.store import FetchedDocument, Store
from monitor.store.models import Finding, Outbox
from tests.conftest import seed_text


def at(day: str) -> FixedClock:
    # 09:00 in Shanghai
    return FixedClock(datetime.fromisoformat(day + "T01:00:00").replace(tzinfo=UTC))


def missing(store: Store) -> set[str]:
    with store.db.transaction() as session:
        return {f.body_id or "" for f in session.scalars(select(Finding).where(Finding.rule == "D601", Finding.state == "open"))}


def test_reminders_on_25_january(store: Store, config: Config) -> None:
    sync(store, config)
    stats = sweep(store, config, at("2026-01-25"))
    # departments: 31 January (6 days left → the 7-day reminder); towns: 10 February here (16 days: none yet);
    # the county government: 31 March (none).
    assert sorted(stats.reminders) == [("shenji", 7)]
    assert stats.missing == []
    assert sweep(store, config, at("2026-01-25")).reminders == []  # once only
    stats = sweep(store, config, at("2026-02-04"))
    assert sorted(stats.reminders) == [("ciying", 7), ("jiaohu", 7)]
    with store.db.transaction() as session:
        keys = sorted(o.key for o in session.scalars(select(Outbox).where(Outbox.kind == "reminder")))
    assert keys == ["reminder:ciying:2025:7", "reminder:jiaohu:2025:7", "reminder:shenji:2025:7"]


def test_d601_per_body_type(store: Store, config: Config) -> None:
    sync(store, config)
    assert sweep(store, config, at("2026-01-31")).missing == []
    assert sweep(store, config, at("2026-02-01")).missing == ["shenji"]
    assert missing(store) == {"shenji"}
    assert sweep(store, config, at("2026-02-10")).missing == []  # the county's date for towns: still on time
    assert sorted(sweep(store, config, at("2026-02-11")).missing) == ["ciying", "jiaohu"]
    assert sweep(store, config, at("2026-03-31")).missing == []
    assert sweep(store, config, at("2026-04-01")).missing == ["xianfu"]
    assert missing(store) == {"shenji", "ciying", "jiaohu", "xianfu"}
    assert sweep(store, config, at("2026-04-02")).missing == []  # still open: no duplicate


def test_report_found_late_resolves_d601(store: Store, config: Config) -> None:
    sync(store, config)
    clock = at("2026-02-12")
    sweep(store, config, clock)
    assert "jiaohu" in missing(store)
    store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/jiaohu/2025.html",
            data=seed_text("003").encode(),
            fetched_at=clock.now(),
            body_id="jiaohu",
            year=2025,
            published_on=date(2026, 2, 12),
            published_from="visible",
        )
    )
    Processor(store, config, clock).run()
    assert "jiaohu" not in missing(store)
    with store.db.transaction() as session:
        late = session.scalar(select(Finding).where(Finding.rule == "D602", Finding.body_id == "jiaohu"))
    assert late is not None and late.severity == "warning"  # a town's deadline is the county's, not statutory
    assert sweep(store, config, at("2026-02-13")).missing == []


def test_failing_portal_is_a_crawl_problem_not_a_missing_report(store: Store, config: Config) -> None:
    from monitor.config import parse_config
    from monitor.store import CrawlStats
    from tests.monitor.conftest import CONFIG

    data = dict(CONFIG)
    data["portals"] = [{"id": "xian", "name": "某县门户", "start_urls": ["http://127.0.0.1:9/nb/"], "contact": "a@b.cn"}]
    data["bodies"] = [dict(b, portal="xian") for b in CONFIG["bodies"]]
    with_portal = parse_config(data)
    sync(store, with_portal)
    clock = at("2026-04-02")
    run = store.crawl.start_run("xian", clock.now())
    store.crawl.finish_run(run, clock.now(), CrawlStats(), failed=True, reason="年报栏目返回 404")
    stats = sweep(store, with_portal, clock)
    assert stats.missing == [] and sorted(stats.skipped) == ["ciying", "jiaohu", "shenji", "xianfu"]


def test_body_status_table(store: Store, config: Config) -> None:
    from monitor.clock import local_date
    from monitor.processing import deadline_for
    from monitor.store.status import body_statuses

    sync(store, config)
    clock = at("2026-04-02")
    for body, published in (("jiaohu", date(2026, 2, 12)), ("ciying", date(2026, 1, 20))):
        store.crawl.record(
            FetchedDocument(
                url=f"http://127.0.0.1/{body}/2025.html",
                data=seed_text("003" if body == "jiaohu" else "000").encode(),
                fetched_at=clock.now(),
                body_id=body,
                year=2025,
                published_on=published,
                published_from="PubDate",
            )
        )
    Processor(store, config, clock).run()
    today = local_date(clock.now(), config.timezone)
    deadlines = {b.id: deadline_for(config, b, 2025)[0] for b in config.bodies}
    with store.db.transaction() as session:
        table = {s.body_id: s for s in body_statuses(session, deadlines, 2025, today)}
    assert table["jiaohu"].status == "late" and table["jiaohu"].errors == 1 and table["jiaohu"].warnings == 2
    assert table["ciying"].status == "on_time" and table["ciying"].errors == 1
    assert table["shenji"].status == "missing" and table["xianfu"].status == "missing"
    assert table["jiaohu"].status_zh == "逾期公开（2天）"
