"""The store functions notifications use, on SQLite and PostgreSQL: outbox claims and outcomes, review items,
the digest's queries, and the migrations from 0004 on down and up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from monitor.processing import sync
from monitor.store import CrawlStats, Store
from monitor.store.findings import reconcile
from monitor.store.models import Event
from monitor.store.notify_queries import delivery_issues, finding_changes, outbox_counts, publications, unresolved_findings
from monitor.store.outbox import (
    OutboxDraft,
    add_drafts,
    claim,
    drop,
    due,
    get_row,
    record_delivered,
    record_failed,
    record_sending,
    record_sent,
    renew,
    retry,
    state_of,
)
from monitor.store.review import ReviewInput, mark_reviewed, open_review_items, record_review_items
from tests.monitor.postgres import reset_database
from tests.notifications.conftest import T0, add_report, findings, make_config


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nianbao.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_database(url)
    opened = Store.open(url, tmp_path / "blobs")
    opened.db.upgrade()
    sync(opened, make_config(tmp_path, []))
    yield opened
    opened.close()


def test_claim_send_fail_exhaust(both: Store) -> None:
    with both.db.transaction() as session:
        add_drafts(
            session,
            [OutboxDraft("a", "reminder", "ciying", "ciying", {}), OutboxDraft("b", "reminder", "jiaohu", "jiaohu", {})],
            T0,
        )
    with both.db.transaction() as session:
        items = due(session, T0, lease_seconds=600)
        assert [i.key for i in items] == ["a", "b"]
        assert claim(session, items[0].id, worker="w1", now=T0, lease_seconds=600)
        assert not claim(session, items[0].id, worker="w2", now=T0, lease_seconds=600)
    with both.db.transaction() as session:
        assert [i.key for i in due(session, T0, lease_seconds=600)] == ["b"]
        assert record_sent(session, items[0].id, at=T0, duration_ms=12, delivered=["t1"])
        assert not record_sent(session, items[0].id, at=T0, duration_ms=12, delivered=["t1"])  # already sent
    with both.db.transaction() as session:
        first = record_failed(
            session,
            items[1].id,
            at=T0,
            duration_ms=5,
            error="连接被拒绝",
            delivered=[],
            permanent=False,
            max_attempts=2,
            retry_base_seconds=30,
        )
        assert not first.exhausted and first.retry_at == T0 + timedelta(seconds=30)
    with both.db.transaction() as session:
        assert due(session, T0 + timedelta(seconds=29), lease_seconds=600) == []
        second = record_failed(
            session,
            items[1].id,
            at=T0 + timedelta(seconds=30),
            duration_ms=5,
            error="连接被拒绝",
            delivered=["t2"],
            permanent=False,
            max_attempts=2,
            retry_base_seconds=30,
        )
        assert second.exhausted and second.retry_at == T0 + timedelta(seconds=30, hours=6)
    with both.db.transaction() as session:
        a, b = state_of(session, "a"), state_of(session, "b")
        assert a is not None and a.sent_at == T0 and a.attempts == 1
        assert b is not None and b.exhausted_at == T0 + timedelta(seconds=30) and b.last_error == "连接被拒绝"
        assert b.gave_up_at is None
        assert due(session, T0 + timedelta(hours=6), lease_seconds=600) == []
        assert [i.key for i in due(session, T0 + timedelta(seconds=30, hours=6), lease_seconds=600)] == ["b"]
        kinds = sorted(e.kind for e in session.scalars(select(Event).where(Event.kind.like("notification.%"))))
        assert kinds == ["notification.exhausted", "notification.sent"]
        [issue] = delivery_issues(session, T0, T0 + timedelta(days=7))
        assert issue.kind == "reminder" and issue.state == "exhausted" and issue.next_attempt_at is not None
        assert outbox_counts(session) == {"waiting": 1, "exhausted": 1, "sent": 1, "gave_up": 0, "dropped": 0}


def test_sending_is_fenced_by_the_claim_and_a_person_can_retry_or_drop(both: Store) -> None:
    with both.db.transaction() as session:
        add_drafts(session, [OutboxDraft("c", "reminder", "ciying", "ciying", {})], T0)
    with both.db.transaction() as session:
        [item] = due(session, T0, lease_seconds=60)
        assert claim(session, item.id, worker="w1", now=T0, lease_seconds=60)
    later = T0 + timedelta(seconds=20)
    with both.db.transaction() as session:
        assert renew(session, item.id, worker="w1", held_at=T0, now=later)
        assert not renew(session, item.id, worker="w1", held_at=T0, now=later)  # the token moved on
        assert record_sending(session, item.id, worker="w1", held_at=later, target="t1", at=later)
    with both.db.transaction() as session:
        assert due(session, later + timedelta(seconds=59), lease_seconds=60) == []  # renewed: still held
        [found] = due(session, later + timedelta(seconds=61), lease_seconds=60)  # the worker died while sending
        assert found.sending_target == "t1"
        assert claim(session, item.id, worker="w2", now=later + timedelta(seconds=61), lease_seconds=60)
        assert not record_sending(session, item.id, worker="w1", held_at=later, target="t2", at=later)  # w1 lost it
        record_delivered(session, item.id, "t1")
    with both.db.transaction() as session:
        row = get_row(session, item.id)
        assert row is not None and row.sending_target is None and row.state == "waiting"
        assert drop(session, item.id, by="管理员", reason="已电话通知", at=T0 + timedelta(hours=1))
        assert not drop(session, item.id, by="管理员", reason="再次", at=T0 + timedelta(hours=1))
        assert due(session, T0 + timedelta(days=1), lease_seconds=60) == []
        [issue] = delivery_issues(session, T0, T0 + timedelta(days=7))
        assert issue.state == "dropped" and issue.dropped_by == "管理员"
        assert delivery_issues(session, T0 + timedelta(days=7), T0 + timedelta(days=14)) == []  # dropped last week
        [event] = session.scalars(select(Event).where(Event.kind == "notification.dropped")).all()
        assert event.data["reason"] == "已电话通知"
    with both.db.transaction() as session:
        assert retry(session, [item.id], now=T0 + timedelta(days=2)) == [item.id]  # taken back
        [again] = due(session, T0 + timedelta(days=2), lease_seconds=60)
        assert again.id == item.id


def test_review_items_follow_the_latest_check(both: Store) -> None:
    scope = {"body_id": "ciying", "year": 2025, "document_id": None, "report_id": None}
    items = [ReviewInput("r1", "A202", "少一个数值", {"table": "表三"}), ReviewInput("r2", "A204", "无法对齐", {"table": "表四"})]
    with both.db.transaction() as session:
        assert record_review_items(session, items, at=T0, **scope) == 2
        assert record_review_items(session, items, at=T0, **scope) == 0
    with both.db.transaction() as session:
        assert record_review_items(session, items[:1], at=T0 + timedelta(days=1), **scope) == 0
        assert [i.fingerprint for i in open_review_items(session)] == ["r1"]  # r2 is gone
        mark_reviewed(session, open_review_items(session)[0].id, actor="李四", note="核对原件无误", at=T0 + timedelta(days=1))
        assert open_review_items(session) == []


def test_digest_queries(both: Store) -> None:
    add_report(both, "ciying", 2025, published_on=date(2026, 2, 5))
    add_report(both, "jiaohu", 2024, published_on=date(2025, 1, 5))
    scope = {"body_id": "ciying", "year": 2025, "document_id": None, "report_id": None}
    for day, count in ((0, 2), (3, 1), (5, 2)):  # open 2, resolve 1, reopen it
        with both.db.transaction() as session:
            reconcile(session, findings("ciying", 2025, count), at=T0 + timedelta(days=day), **scope)
    with both.db.transaction() as session:
        found = publications(session, 2025, T0 + timedelta(days=1))
        assert set(found) == {"ciying"} and found["ciying"].published_on == date(2026, 2, 5)
        assert publications(session, 2025, T0 - timedelta(days=1)) == {}  # not seen yet then
        opened = {o.finding.fingerprint: o.opened_at for o in unresolved_findings(session)}
        assert opened == {"ciying-2025-0": T0, "ciying-2025-1": T0 + timedelta(days=5)}
        changes = [
            (c.kind, c.finding.fingerprint) for c in finding_changes(session, T0 + timedelta(days=1), T0 + timedelta(days=7))
        ]
        assert changes == [("resolved", "ciying-2025-1"), ("reopened", "ciying-2025-1")]


def test_migration_0004_down_and_up(both: Store) -> None:
    config = both.db.alembic_config()
    command.downgrade(config, "0003")
    with both.db.engine.connect() as connection:
        assert not inspect(connection).has_table("review_items")
    both.db.upgrade()
    assert both.db.revision() == "0008"
    with both.db.engine.connect() as connection:
        assert "delivered" in {c["name"] for c in inspect(connection).get_columns("outbox")}


def test_migration_0005_down_and_up(both: Store) -> None:
    config = both.db.alembic_config()
    command.downgrade(config, "0004")
    with both.db.engine.connect() as connection:
        assert not inspect(connection).has_table("settings")
        assert "failures" not in {c["name"] for c in inspect(connection).get_columns("documents")}
    both.db.upgrade()
    with both.db.engine.connect() as connection:
        assert inspect(connection).has_table("settings")
        assert {"failures", "failing_since", "retry_after"} <= {c["name"] for c in inspect(connection).get_columns("documents")}
        assert "backlog" in {c["name"] for c in inspect(connection).get_columns("findings")}


def test_migration_0006_down_and_up(both: Store) -> None:
    config = both.db.alembic_config()
    command.downgrade(config, "0005")
    with both.db.engine.connect() as connection:
        assert not inspect(connection).has_table("dashboard_sessions")
        assert "sending_at" not in {c["name"] for c in inspect(connection).get_columns("outbox")}
    both.db.upgrade()
    assert both.db.revision() == "0008"
    with both.db.engine.connect() as connection:
        assert inspect(connection).has_table("dashboard_sessions")
        columns = {c["name"] for c in inspect(connection).get_columns("outbox")}
        assert {"sending_at", "sending_target", "exhausted_at", "dropped_at", "dropped_by"} <= columns


def test_migration_0007_down_and_up_keeps_the_runs(both: Store) -> None:
    """0007 adds the column counts of a crawl run; runs recorded before it are kept, without counts."""
    config = both.db.alembic_config()
    command.downgrade(config, "0006")
    with both.db.engine.connect() as connection:
        assert "column_counts" not in {c["name"] for c in inspect(connection).get_columns("crawl_runs")}
        connection.execute(
            text("INSERT INTO portals (id, name, config) VALUES ('old', '旧门户', '{}')"),
        )
        connection.execute(
            text(
                "INSERT INTO crawl_runs (portal_id, started_at, finished_at, status, requests, responses_304, bytes, pages,"
                " new_documents, changed_documents, errors, unreachable_documents)"
                " VALUES ('old', :at, :at, 'finished', 1, 0, 10, 1, 0, 0, '[]', 0)"
            ),
            {"at": T0.replace(tzinfo=None)},
        )
        connection.commit()
    both.db.upgrade()
    assert both.db.revision() == "0008"
    with both.db.engine.connect() as connection:
        assert "column_counts" in {c["name"] for c in inspect(connection).get_columns("crawl_runs")}
    assert both.crawl.previous_counts("old") == {}
    run = both.crawl.start_run("old", T0 + timedelta(hours=1))
    both.crawl.finish_run(
        run, T0 + timedelta(hours=1), CrawlStats(column_counts={"http://127.0.0.1/nb/": 12}), failed=False, reason="finished"
    )
    assert both.crawl.run(run).column_counts == {"http://127.0.0.1/nb/": 12}
    assert both.crawl.previous_counts("old") == {"http://127.0.0.1/nb/": 12}
