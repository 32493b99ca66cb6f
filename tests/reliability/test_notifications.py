"""Reliability of notification delivery: a dispatcher killed with SIGKILL at each point of the send path, then a
fresh dispatcher; and a receiver outage longer than the retry budget, then recovery.

Each crash case queues the same three notices (one with two targets: an e-mail to a local SMTP sink and a webhook
to a local receiver), runs a child process that kills itself at the fault point (``NIANBAO_FAULT``, see
notifications/dispatch.py), then one fresh pass at the monitor's injected time just past the claim's lease, and
compares what reached the receivers with an uninterrupted run: every notice arrives, a receiver that honours the
stable id (Message-ID, Idempotency-Key) sees no duplicate, one that does not sees at most one re-send.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor.config import Config
from monitor.processing import sync
from monitor.store import Store
from monitor.store.faults import FAULT_ENV
from monitor.store.findings import reconcile
from monitor.store.models import Outbox
from notifications.dispatch import FAULT_POINTS, LEASE_SECONDS, dispatch_once
from notifications.policy import check_policy
from notifications.transports import IDEMPOTENCY_HEADER
from tests.notifications.conftest import T0, Receiver, findings, free_port, make_config, write_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BODIES = ("ciying", "jiaohu", "shenji")


class Sink:
    """A local SMTP server keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd calls it so)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class Receivers:
    webhook: Receiver
    smtp_port: int
    sink: Sink

    def targets(self, email_first: bool) -> list[dict[str, str]]:
        mail = {"tag": "ciying", "url": f"mailto://127.0.0.1:{self.smtp_port}?from=nianbao@example.cn&to=ciying@example.cn"}
        hooks = [{"tag": tag, "url": self.webhook.url} for tag in BODIES]
        return [mail, *hooks] if email_first else [*hooks, mail]

    def delivered(self) -> list[tuple[str, str]]:
        """Every delivery as (receiver, stable id), repeats included."""
        mails = [("mail", str(m["Message-ID"])) for m in self.sink.messages]
        hooks = [("webhook", h[IDEMPOTENCY_HEADER]) for h in self.webhook.headers]
        return mails + hooks


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    webhook = Receiver(free_port()).start()
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield Receivers(webhook, port, sink)
    controller.stop()
    webhook.stop()


def open_store(folder: Path, config: Config) -> Store:
    folder.mkdir()
    store = Store.open(f"sqlite:///{folder / 'nianbao.db'}", folder / "blobs")
    store.db.upgrade()
    sync(store, config)
    with store.db.transaction() as session:
        for body in BODIES:
            scope = {"body_id": body, "year": 2025, "document_id": None, "report_id": None}
            reconcile(session, findings(body, 2025, 2), at=T0, policy=check_policy(config), **scope)
    return store


def child(store: Store, config_file: Path, now: datetime, fault: str | None) -> subprocess.CompletedProcess[str]:
    """One dispatcher pass in a new process (``tests/notifications/dispatch_child.py``), killed at ``fault``."""
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault is not None:
        env[FAULT_ENV] = fault
    return subprocess.run(
        [sys.executable, "-m", "tests.notifications.dispatch_child", store.db.url, str(config_file), now.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def outbox(store: Store) -> list[Outbox]:
    with store.db.transaction() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def baseline(tmp_path: Path, receivers: Receivers, email_first: bool) -> Counter[tuple[str, str]]:
    """What an uninterrupted pass delivers (then the receivers are emptied for the crash run)."""
    targets = receivers.targets(email_first)
    config = make_config(tmp_path, targets)
    store = open_store(tmp_path / "baseline", config)
    try:
        assert dispatch_once(store.db, config, T0).sent == len(BODIES)
    finally:
        store.close()
    delivered = Counter(receivers.delivered())
    receivers.sink.messages.clear()
    receivers.webhook.posts.clear()
    receivers.webhook.headers.clear()
    return delivered


@pytest.mark.parametrize("email_first", [True, False], ids=["email-first", "webhook-first"])
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_kill_at_any_point_loses_nothing_and_repeats_at_most_the_send_in_flight(
    tmp_path: Path, receivers: Receivers, point: str, email_first: bool
) -> None:
    expected = baseline(tmp_path, receivers, email_first)
    assert sum(expected.values()) == len(expected) == len(BODIES) + 1  # ciying has two targets
    targets = receivers.targets(email_first)
    config = make_config(tmp_path, targets)
    config_file = write_config(tmp_path, targets)
    store = open_store(tmp_path / "crash", config)
    try:
        killed = child(store, config_file, T0, point)
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
        crashed = outbox(store)
        assert sum(r.sent_at is not None for r in crashed) == (1 if point == "after_commit" else 0)
        in_flight = [r for r in crashed if r.sending_target is not None]
        assert len(in_flight) == (1 if point in ("after_sending", "after_send") else 0)

        # The restart: one pass just past the lease (not ten minutes) sends everything, each notice once.
        restart = T0 + timedelta(seconds=LEASE_SECONDS + 1)
        stats = dispatch_once(store.db, config, restart)
        assert stats.resent == len(in_flight)
        after = outbox(store)
        assert all(r.sent_at is not None for r in after), [(r.id, r.last_error) for r in after]
        assert all(r.sending_target is None and r.attempts == 1 for r in after)
        assert max(r.sent_at for r in after if r.sent_at is not None) - T0 <= timedelta(minutes=2)
        assert dispatch_once(store.db, config, restart + timedelta(days=1)).due == 0
    finally:
        store.close()

    delivered = Counter(receivers.delivered())
    # A receiver that honours the stable id keeps exactly what an uninterrupted run delivered.
    assert set(delivered) == set(expected)
    # One that does not sees at most one re-send, and only when the kill fell between a send and its record.
    repeats = sum(delivered.values()) - len(delivered)
    assert repeats == (1 if point == "after_send" else 0)
    if repeats:
        [(receiver, _id)] = [key for key, n in delivered.items() if n > 1]
        assert receiver == ("mail" if email_first else "webhook")


def test_an_outage_longer_than_the_retry_budget_loses_nothing(tmp_path: Path) -> None:
    down = Receiver(free_port())  # not listening: every attempt fails
    targets = [{"tag": tag, "url": down.url} for tag in BODIES]
    settings: dict[str, Any] = {"max_attempts": 4, "retry_base_seconds": 60, "slow_retry_interval": "6h"}
    config = make_config(tmp_path, targets, **settings)
    config_file = write_config(tmp_path, targets, **settings)
    store = open_store(tmp_path / "outage", config)
    try:
        now = T0
        for _ in range(5):  # every pass that finds something due, through the whole fast schedule and one slow retry
            dispatch_once(store.db, config, now)
            now = min(r.next_attempt_at for r in outbox(store))
        rows = outbox(store)
        assert all(r.exhausted_at is not None and r.sent_at is None and r.gave_up_at is None for r in rows)
        assert all(r.attempts == 5 for r in rows)  # 4 fast attempts and one on the slow schedule
        outage_end = now - timedelta(minutes=1)

        down.start()  # the receiver is back; the next slow retry (a new process: a restart) delivers everything
        try:
            assert child(store, config_file, outage_end, None).returncode == 0
            assert all(r.sent_at is None for r in outbox(store))  # not due before the slow schedule says so
            done = child(store, config_file, now, None)
            assert done.returncode == 0, done.stderr[-2000:]
            assert all(r.sent_at == now for r in outbox(store))
            assert dispatch_once(store.db, config, now + timedelta(days=7)).due == 0
        finally:
            down.stop()
    finally:
        store.close()
    ids = [h[IDEMPOTENCY_HEADER] for h in down.headers]
    assert len(ids) == len(set(ids)) == len(BODIES)  # every notice, once
