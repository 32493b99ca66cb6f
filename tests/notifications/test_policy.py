"""The policy on a real store: one message per body per check run, nothing when nothing changed, one 已整改
notice on resolution; the missing-report notice from the deadline sweep; repeats and escalation over time."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.clock import FixedClock
from monitor.deadline_sweep import sweep
from monitor.store import Store
from monitor.store.findings import combine, mute, reconcile
from monitor.store.models import Event, Outbox
from monitor.store.outbox import add_drafts
from notifications.dispatch import dispatch_once
from notifications.policy import check_policy, deadline_drafts, periodic_drafts, summary_drafts
from tests.notifications.conftest import T0, Receiver, add_report, findings, make_config


def outbox(store: Store) -> list[Outbox]:
    with store.db.transaction() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def test_five_findings_one_message_rerun_nothing_resolve_one_notice(
    synced: Store, tmp_path: Path, receiver: Receiver, county_receiver: Receiver
) -> None:
    store = synced
    config = make_config(tmp_path, [{"tag": "ciying", "url": receiver.url}, {"tag": "county", "url": county_receiver.url}])
    policy = check_policy(config)
    document_id, report_id = add_report(store, "ciying", 2025, published_on=T0.date())
    scope = {"body_id": "ciying", "year": 2025, "document_id": document_id, "report_id": report_id}

    with store.db.transaction() as session:
        reconcile(session, findings("ciying", 2025, 5), at=T0, policy=policy, **scope)
    [row] = outbox(store)
    assert (row.kind, row.route, len(row.payload["findings"])) == ("findings", "ciying", 5)
    assert dispatch_once(store.db, config, T0).sent == 1
    [post] = receiver.posts
    assert "次营镇人民政府" in post["message"] and "发现以下 5 个问题" in post["message"]
    for part in ("一", "二", "三", "四", "五"):
        assert f"报告缺少第{part}部分" in post["message"]
    assert "https://nianbao.example.cn/findings/" in post["message"] and "http://127.0.0.1/ciying/2025.html" in post["message"]

    later = T0 + timedelta(hours=6)
    with store.db.transaction() as session:
        result = reconcile(session, findings("ciying", 2025, 5), at=later, policy=policy, **scope)
    assert not result.changed and len(outbox(store)) == 1
    assert dispatch_once(store.db, config, later).due == 0
    assert len(receiver.posts) == 1

    fixed = T0 + timedelta(days=2)
    with store.db.transaction() as session:
        reconcile(session, [], at=fixed, policy=policy, **scope)
    rows = outbox(store)
    assert [r.kind for r in rows] == ["findings", "resolved"]
    assert dispatch_once(store.db, config, fixed).sent == 1
    assert len(receiver.posts) == 2 and receiver.posts[1]["title"].startswith("【已整改】")
    assert county_receiver.posts == []  # the county office is not copied on each body's messages


def test_new_findings_beside_open_ones_one_message_listing_only_the_new(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    policy = check_policy(config)
    scope = {"body_id": "jiaohu", "year": 2025, "document_id": None, "report_id": None}
    with synced.db.transaction() as session:
        reconcile(session, findings("jiaohu", 2025, 2), at=T0, policy=policy, **scope)
    with synced.db.transaction() as session:
        reconcile(session, findings("jiaohu", 2025, 4), at=T0 + timedelta(days=1), policy=policy, **scope)
    rows = outbox(synced)
    assert [r.kind for r in rows] == ["findings", "findings"]
    assert len(rows[1].payload["findings"]) == 2 and rows[1].payload["still_open"] == 2


def test_reopened_finding_is_a_new_message(synced: Store, tmp_path: Path) -> None:
    policy = check_policy(make_config(tmp_path, []))
    scope = {"body_id": "ciying", "year": 2025, "document_id": None, "report_id": None}
    for day, found in enumerate([1, 0, 1, 0, 1]):
        with synced.db.transaction() as session:
            reconcile(session, findings("ciying", 2025, found), at=T0 + timedelta(days=day), policy=policy, **scope)
    assert [r.kind for r in outbox(synced)] == ["findings", "resolved", "findings", "resolved", "findings"]


def test_unattributed_report_goes_to_the_county_office(synced: Store, tmp_path: Path) -> None:
    document_id, report_id = add_report(synced, "ciying", 2025, published_on=None, url="http://127.0.0.1/unknown.html")
    with synced.db.transaction() as session:
        reconcile(
            session,
            findings("unknown", 2025, 3),
            body_id=None,
            year=2025,
            document_id=document_id,
            report_id=report_id,
            at=T0,
            policy=check_policy(make_config(tmp_path, [])),
        )
    [row] = outbox(synced)
    assert (row.kind, row.route, row.body_id) == ("findings", "county", None)


def test_missing_report_after_the_deadline_is_one_notice(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    policy = check_policy(config)
    for day in ("2026-02-01T01:00:00+00:00", "2026-02-02T01:00:00+00:00"):
        clock = FixedClock(T0.fromisoformat(day))
        sweep(synced, config, clock, policy=policy, reminder_policy=deadline_drafts)
    missing = [r for r in outbox(synced) if r.kind == "missing"]
    assert [(r.route, r.payload["findings"][0]["rule"]) for r in missing] == [("shenji", "D601")]
    dispatch_once(synced.db, config, T0)
    log = (tmp_path / "notifications" / "outbox.log").read_text(encoding="utf-8")
    assert "【年报未公开】某县审计局2025年度报告已过公开期限仍未公开" in log


def test_reminders_use_the_policy_and_say_the_deadline(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    sweep(synced, config, FixedClock(T0.fromisoformat("2026-01-25T01:00:00+00:00")), reminder_policy=deadline_drafts)
    [row] = outbox(synced)
    assert (row.key, row.kind, row.route) == ("reminder:shenji:2025:7", "reminder", "shenji")
    dispatch_once(synced.db, config, T0)
    log = (tmp_path / "notifications" / "outbox.log").read_text(encoding="utf-8")
    assert "【公开提醒】某县审计局2025年度报告须于2026年1月31日前公开" in log


def test_repeats_every_n_days_until_resolved_or_muted(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [], repeat_days=7, escalate_days=0)
    policy = check_policy(config)
    scope = {"body_id": "ciying", "year": 2025, "document_id": None, "report_id": None}
    with synced.db.transaction() as session:
        reconcile(
            session, findings("ciying", 2025, 2) + findings("jiaohu", 2025, 1, severity="warning"), at=T0, policy=policy, **scope
        )
    dispatch_once(synced.db, config, T0)  # the first message: last_notified_at = T0

    def periodic(days: float) -> list[str]:
        with synced.db.transaction() as session:
            drafts = periodic_drafts(session, config, T0 + timedelta(days=days))
            add_drafts(session, drafts, T0 + timedelta(days=days))
        return [d.kind for d in drafts]

    assert periodic(6.9) == []
    assert periodic(7) == ["repeat"]
    assert periodic(7.5) == ["repeat"]  # same key while unsent: still one row
    assert [r.kind for r in outbox(synced)] == ["findings", "repeat"]
    repeat = outbox(synced)[1]
    assert len(repeat.payload["findings"]) == 2  # errors only
    dispatch_once(synced.db, config, T0 + timedelta(days=8))
    assert periodic(14) == []  # counted from the repeat's delivery on day 8
    assert periodic(15) == ["repeat"]
    with synced.db.transaction() as session:
        for n in range(2):
            mute(
                session,
                f"ciying-2025-{n}",
                actor="张三",
                reason="已电话督办",
                until=T0 + timedelta(days=60),
                at=T0 + timedelta(days=15),
            )
    dispatch_once(synced.db, config, T0 + timedelta(days=16))
    assert periodic(30) == []


def test_escalation_once_per_opening_to_the_county(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [], repeat_days=0, escalate_days=14)
    policy = check_policy(config)
    for body in ("ciying", "jiaohu"):
        with synced.db.transaction() as session:
            scope = {"body_id": body, "year": 2025, "document_id": None, "report_id": None}
            reconcile(session, findings(body, 2025, 2), at=T0, policy=policy, **scope)

    def periodic(days: float) -> list[Outbox]:
        with synced.db.transaction() as session:
            add_drafts(session, periodic_drafts(session, config, T0 + timedelta(days=days)), T0 + timedelta(days=days))
        return [r for r in outbox(synced) if r.kind == "escalation"]

    assert periodic(14) == []
    [row] = periodic(14.1)
    assert row.route == "county" and len(row.payload["findings"]) == 4
    assert len(periodic(20)) == 1
    with synced.db.transaction() as session:
        events = session.scalars(select(Event).where(Event.kind == "finding.escalated")).all()
    assert len(events) == 4
    dispatch_once(synced.db, config, T0 + timedelta(days=20))
    log = (tmp_path / "notifications" / "outbox.log").read_text(encoding="utf-8")
    assert "【督办】4个错误超过14天未整改（2个单位）" in log and "== 焦虎镇人民政府（2 个）==" in log


def test_one_check_run_reconciled_in_parts_is_one_message(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    policy = check_policy(config)
    sweep(synced, config, FixedClock(T0.fromisoformat("2026-02-12T01:00:00+00:00")), policy=policy)  # D601 for 次营镇
    earlier = findings("ciying", 2025, 2)  # fingerprints 0 and 1, from an earlier (unattributed) check
    with synced.db.transaction() as session:
        reconcile(session, earlier, body_id="ciying", year=2025, document_id=None, report_id=None, at=T0)
    document_id, report_id = add_report(synced, "ciying", 2025, published_on=date(2026, 2, 12))
    now_found = findings("ciying", 2025, 3)[1:]  # 0 is fixed, 2 is new
    at = T0 + timedelta(days=10)
    with synced.db.transaction() as session:
        scope = {"body_id": "ciying", "year": 2025, "report_id": report_id}
        parts = [
            reconcile(session, now_found, document_id=document_id, at=at, **scope),
            reconcile(session, [], document_id=None, at=at, scope_rules=["D601"], **scope),
        ]
        separately = [d for part in parts for d in policy(part)]
        together = policy(combine(parts))
        add_drafts(session, together, at)
    assert sorted(d.kind for d in separately) == ["findings", "resolved", "resolved"]
    assert sorted(d.kind for d in together) == ["findings", "resolved"]  # one message of each kind for the run
    [resolved] = [d for d in together if d.kind == "resolved"]
    assert sorted(f["rule"] for f in resolved.payload["findings"]) == ["D601", "S101"]


def test_history_is_stored_but_never_pushed_repeated_or_escalated(synced: Store, tmp_path: Path) -> None:
    store = synced
    config = make_config(tmp_path, [{"tag": "ciying", "url": "json://127.0.0.1:9/"}], repeat_days=1, escalate_days=2)
    policy = check_policy(config)
    document_id, report_id = add_report(store, "ciying", 2021, published_on=date(2022, 1, 20))
    scope = {"body_id": "ciying", "year": 2021, "document_id": document_id, "report_id": report_id}
    with store.db.transaction() as session:
        result = reconcile(session, findings("ciying", 2021, 3), at=T0, policy=policy, backlog=True, **scope)
    assert len(result.opened) == 3 and outbox(store) == []
    later = T0 + timedelta(days=10)
    with store.db.transaction() as session:
        assert periodic_drafts(session, config, later) == []
        # The report changed after the first crawl: news now, whatever its year.
        reconcile(session, findings("ciying", 2021, 4), at=later, policy=policy, **scope)
    [row] = outbox(store)
    assert row.kind == "findings" and [f["year"] for f in row.payload["findings"]] == [2021]


def test_a_recheck_does_not_announce_what_the_body_did_not_fix(synced: Store, tmp_path: Path) -> None:
    store = synced
    config = make_config(tmp_path, [{"tag": "ciying", "url": "json://127.0.0.1:9/"}])
    policy = check_policy(config)
    document_id, report_id = add_report(store, "ciying", 2025, published_on=T0.date())
    scope = {"body_id": "ciying", "year": 2025, "document_id": document_id, "report_id": report_id}
    with store.db.transaction() as session:
        reconcile(session, findings("ciying", 2025, 2), at=T0, policy=policy, **scope)
        result = reconcile(session, findings("ciying", 2025, 1), at=T0 + timedelta(hours=1), policy=policy, cause="recheck", **scope)
    assert len(result.resolved) == 1
    assert [r.kind for r in outbox(store)] == ["findings"]


def test_the_county_office_gets_one_summary_per_poll(synced: Store, tmp_path: Path) -> None:
    store = synced
    targets = [{"tag": t, "url": "json://127.0.0.1:9/"} for t in ("ciying", "jiaohu", "county")]
    config = make_config(tmp_path, targets)
    policy = check_policy(config)
    for body in ("ciying", "jiaohu", "xianfu"):  # 某县人民政府 has no targets: its message went to the county
        document_id, report_id = add_report(store, body, 2025, published_on=T0.date())
        scope = {"body_id": body, "year": 2025, "document_id": document_id, "report_id": report_id}
        with store.db.transaction() as session:
            reconcile(session, [*findings(body, 2025, 2), *findings(body, 2025, 3, severity="warning")[2:]], at=T0,
                      policy=policy, **scope)  # fmt: skip
    with store.db.transaction() as session:
        drafts = summary_drafts(session, config, T0 - timedelta(minutes=1), T0 + timedelta(minutes=5))
        assert summary_drafts(session, config, T0 + timedelta(minutes=5), T0 + timedelta(hours=1)) == []
    [draft] = drafts
    assert (draft.kind, draft.route, draft.payload["bodies"]) == ("summary", "county", 2)
    assert sorted((f["body_id"], f["severity"]) for f in draft.payload["findings"]) == [("ciying", "error")] * 2 + [
        ("jiaohu", "error")
    ] * 2
