"""The dispatcher: claims with a conditional update, records every attempt, retries with back-off, gives up after
the limit, and never loses or repeats a successful delivery across a restart (a real second process)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.config import Config
from monitor.store import Store
from monitor.store.findings import reconcile
from monitor.store.models import DeliveryAttempt, Event, Finding, Outbox
from monitor.store.outbox import OutboxDraft, add_drafts, claim
from notifications.dispatch import LEASE_SECONDS, dispatch_once, quiet_until
from notifications.policy import check_policy
from tests.notifications.conftest import T0, Receiver, findings, free_port, make_config, write_config

ROOT = Path(__file__).resolve().parents[2]


def queue_findings(store: Store, config: Config, body: str = "ciying") -> None:
    with store.db.transaction() as session:
        scope = {"body_id": body, "year": 2025, "document_id": None, "report_id": None}
        reconcile(session, findings(body, 2025, 3), at=T0, policy=check_policy(config), **scope)


def rows(store: Store) -> list[Outbox]:
    with store.db.transaction() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def attempts(store: Store) -> list[DeliveryAttempt]:
    with store.db.transaction() as session:
        return list(session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)))


def child(store: Store, config_file: Path, now: datetime) -> dict[str, Any]:
    """One dispatcher pass in a new process on the same SQLite file (a service restart)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.notifications.dispatch_child", store.db.url, str(config_file), now.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_receiver_down_retried_then_delivered_exactly_once_across_a_restart(synced: Store, tmp_path: Path) -> None:
    down = Receiver(free_port())  # not listening yet
    targets = [{"tag": "ciying", "url": down.url}]
    config = make_config(tmp_path, targets, retry_base_seconds=60)
    config_file = write_config(tmp_path, targets, retry_base_seconds=60)
    queue_findings(synced, config)

    first = dispatch_once(synced.db, config, T0)
    assert (first.claimed, first.failed, first.sent) == (1, 1, 0)
    [row] = rows(synced)
    assert row.sent_at is None and row.attempts == 1 and row.claimed_at is None
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert row.last_error and "ciying" in row.last_error

    assert child(synced, config_file, T0 + timedelta(seconds=30))["due"] == 0  # backing off
    second = child(synced, config_file, T0 + timedelta(seconds=61))
    assert (second["failed"], second["sent"]) == (1, 0)
    assert rows(synced)[0].next_attempt_at == T0 + timedelta(seconds=61 + 120)  # 60 · 2¹

    down.start()
    try:
        assert child(synced, config_file, T0 + timedelta(seconds=200))["sent"] == 1
        for later in (300, 3600, 86400):
            assert child(synced, config_file, T0 + timedelta(seconds=later))["due"] == 0
        assert dispatch_once(synced.db, config, T0 + timedelta(days=2)).due == 0
    finally:
        down.stop()
    assert len(down.posts) == 1
    assert [(a.ok, a.error is None) for a in attempts(synced)] == [(False, False), (False, False), (True, True)]
    [row] = rows(synced)
    assert row.sent_at == T0 + timedelta(seconds=200) and row.attempts == 3
    with synced.db.transaction() as session:
        notified = {f.last_notified_at for f in session.scalars(select(Finding))}
        sent_events = session.scalars(select(Event).where(Event.kind == "notification.sent")).all()
    assert notified == {T0 + timedelta(seconds=200)} and len(sent_events) == 1


def test_a_claim_is_conditional_and_a_crashed_workers_claim_expires_after_a_minute(
    synced: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = make_config(tmp_path, [{"tag": "ciying", "url": receiver.url}])
    queue_findings(synced, config)
    [row] = rows(synced)
    with synced.db.transaction() as session:
        assert claim(session, row.id, worker="crashed", now=T0, lease_seconds=LEASE_SECONDS)
    with synced.db.transaction() as session:
        assert not claim(session, row.id, worker="other", now=T0, lease_seconds=LEASE_SECONDS)  # rowcount 0
    assert LEASE_SECONDS <= 60
    assert dispatch_once(synced.db, config, T0 + timedelta(seconds=30)).due == 0  # still leased
    assert dispatch_once(synced.db, config, T0 + timedelta(seconds=LEASE_SECONDS + 1)).sent == 1  # lease expired
    assert len(receiver.posts) == 1 and rows(synced)[0].claimed_by == "dispatcher"


def test_exhausted_after_max_attempts_then_retried_slowly_until_delivered(synced: Store, tmp_path: Path) -> None:
    down = Receiver(free_port())
    targets = [{"tag": "ciying", "url": down.url}]
    config = make_config(tmp_path, targets, max_attempts=3, retry_base_seconds=10, slow_retry_interval="6h")
    queue_findings(synced, config)
    outcomes = [dispatch_once(synced.db, config, T0 + timedelta(hours=n)) for n in range(4)]
    assert [(s.failed, s.exhausted, s.due) for s in outcomes] == [(1, 0, 1), (1, 0, 1), (0, 1, 1), (0, 0, 0)]
    [row] = rows(synced)
    assert row.exhausted_at == T0 + timedelta(hours=2) and row.gave_up_at is None and row.attempts == 3
    assert row.next_attempt_at == T0 + timedelta(hours=8)  # the slow schedule
    assert dispatch_once(synced.db, config, T0 + timedelta(hours=8)).exhausted == 1  # still down: 6 more hours
    assert rows(synced)[0].next_attempt_at == T0 + timedelta(hours=14)
    down.start()
    try:
        assert dispatch_once(synced.db, config, T0 + timedelta(hours=13)).due == 0
        assert dispatch_once(synced.db, config, T0 + timedelta(hours=14)).sent == 1
        assert dispatch_once(synced.db, config, T0 + timedelta(days=3)).due == 0
    finally:
        down.stop()
    assert len(down.posts) == 1
    [row] = rows(synced)
    assert row.sent_at == T0 + timedelta(hours=14) and row.attempts == 5
    with synced.db.transaction() as session:
        [event] = session.scalars(select(Event).where(Event.kind == "notification.exhausted")).all()
    assert event.data["outbox_id"] == row.id and event.data["attempts"] == 3


def test_a_permanent_error_is_retried_slowly_at_once_without_leaking_the_secret(
    synced: Store, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CIYING_HOOK", raising=False)
    config = make_config(tmp_path, [{"tag": "ciying", "url": f"json://127.0.0.1:{receiver.port}/${{CIYING_HOOK}}"}])
    queue_findings(synced, config)
    assert dispatch_once(synced.db, config, T0).exhausted == 1
    [row] = rows(synced)
    assert row.attempts == 1 and row.last_error is not None and "CIYING_HOOK" in row.last_error
    assert row.exhausted_at == T0 and row.next_attempt_at == T0 + timedelta(hours=6)
    assert receiver.posts == []
    monkeypatch.setenv("CIYING_HOOK", "hook")  # the administrator sets the variable: the slow retry delivers it
    assert dispatch_once(synced.db, config, T0 + timedelta(hours=6)).sent == 1
    assert [p["path"] for p in receiver.posts] == ["/hook"]


def test_partial_failure_does_not_repeat_the_target_that_accepted(synced: Store, tmp_path: Path, receiver: Receiver) -> None:
    down = Receiver(free_port())
    config = make_config(
        tmp_path, [{"tag": "ciying", "url": receiver.url}, {"tag": "ciying", "url": down.url}], retry_base_seconds=60
    )
    queue_findings(synced, config)
    assert dispatch_once(synced.db, config, T0).failed == 1
    assert len(receiver.posts) == 1 and len(rows(synced)[0].delivered) == 1
    down.start()
    try:
        assert dispatch_once(synced.db, config, T0 + timedelta(minutes=2)).sent == 1
    finally:
        down.stop()
    assert (len(receiver.posts), len(down.posts)) == (1, 1)
    assert len(rows(synced)[0].delivered) == 2


def test_quiet_hours_defer_until_morning_in_county_time(synced: Store, tmp_path: Path, receiver: Receiver) -> None:
    config = make_config(tmp_path, [{"tag": "ciying", "url": receiver.url}], quiet_hours="22:00-07:00")
    night = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert quiet_until(config, night) == datetime(2026, 2, 3, 23, 0, tzinfo=UTC)  # 07:00 next morning
    assert quiet_until(config, datetime(2026, 2, 3, 22, 30, tzinfo=UTC)) == datetime(2026, 2, 3, 23, 0, tzinfo=UTC)  # 06:30
    assert quiet_until(config, datetime(2026, 2, 3, 23, 0, tzinfo=UTC)) is None
    with synced.db.transaction() as session:
        scope = {"body_id": "ciying", "year": 2025, "document_id": None, "report_id": None}
        reconcile(session, findings("ciying", 2025, 1), at=night, policy=check_policy(config), **scope)
        add_drafts(
            session,
            [
                OutboxDraft(
                    "urgent-test",
                    "reminder",
                    "ciying",
                    "ciying",
                    {"year": 2025, "deadline": "2026-01-31", "days_left": 1, "urgent": True},
                )
            ],
            night,
        )
    stats = dispatch_once(synced.db, config, night)
    assert (stats.deferred, stats.sent) == (1, 1)  # the urgent one goes, the other waits
    assert rows(synced)[0].attempts == 0  # deferring is not an attempt
    assert dispatch_once(synced.db, config, datetime(2026, 2, 3, 23, 1, tzinfo=UTC)).sent == 1
    assert len(receiver.posts) == 2


def test_two_dispatchers_at_once_send_each_row_once(synced: Store, tmp_path: Path, receiver: Receiver) -> None:
    targets = [{"tag": t, "url": receiver.url} for t in ("ciying", "jiaohu", "shenji")]
    config = make_config(tmp_path, targets)
    config_file = write_config(tmp_path, targets)
    for body in ("ciying", "jiaohu", "shenji"):
        queue_findings(synced, config, body)
    command = [sys.executable, "-m", "tests.notifications.dispatch_child", synced.db.url, str(config_file), T0.isoformat()]
    workers = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    results = [json.loads(w.communicate(timeout=120)[0].strip().splitlines()[-1]) for w in workers]
    assert sum(r["sent"] for r in results) == 3
    assert sorted(p["title"] for p in receiver.posts) == sorted({p["title"] for p in receiver.posts})
    assert len(receiver.posts) == 3 and len(attempts(synced)) == 3
