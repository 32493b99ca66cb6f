"""Acceptance (issue 12): ``nianbao recheck`` after adding an alias attributes the previously unattributed report,
its findings appear once (the same findings, not a second set) and nothing unchanged is pushed again; the service
re-checks by itself when the rules version changes, without spurious resolves, reopens or pushes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.markup import body_html, read_seed
from crawler.demo_portal.pages import ListItem, trs_article, trs_column
from crawler.demo_portal.site import seed_text
from monitor import jobs
from monitor.cli import main
from monitor.store.models import Document, Event, Finding, Outbox, Report
from monitor.store.settings import RULES_VERSION, get_setting, set_setting
from rules.version import rules_version
from tests.crawler.county import loopback_portal

COLUMN = "/zwgk/zfxxgknb/"
ROUTE = f"{COLUMN}202601/t20260120_7001.html"
TITLE = "城南新区2025年政府信息公开工作年度报告"  # the body is registered as 城南片区管理委员会


def report() -> bytes:
    text = seed_text("000").replace("次营镇人民政府", "城南新区").replace("次营镇", "城南新区")
    return trs_article(TITLE, body_html(read_seed(text), "trs"), source="城南新区", pubdate=None, visible_date=None).encode()


def write_config(path: Path, portal: DemoPortal, aliases: list[str]) -> None:
    data: dict[str, Any] = {
        "county": {"name": "演示县", "timezone": "Asia/Shanghai", "notify": ["county"]},
        "portals": [loopback_portal(portal, COLUMN, "p")],
        "bodies": [
            {"id": "cn", "name": "城南片区管理委员会", "aliases": aliases, "type": "town", "portal": "p", "notify": ["cn"]},
        ],
        "notifications": {
            "targets": [{"tag": "county", "url": "json://127.0.0.1:9/county"}, {"tag": "cn", "url": "json://127.0.0.1:9/cn"}]
        },
        "storage": {"database": f"sqlite:///{path.parent / 'nianbao.db'}", "blobs": "blobs"},
        "dashboard": {"enabled": False},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def polled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DemoPortal, Path]]:
    monkeypatch.setenv("NIANBAO_NOW", "2026-02-10T10:00:00+08:00")
    with DemoPortal() as portal:
        portal.add_page(ROUTE, report())
        portal.add_page(
            f"{COLUMN}index.html",
            trs_column("政府信息公开年报", [ListItem(ROUTE, TITLE, "2026-01-20")], [], page=0, pages=1).encode(),
        )
        config = tmp_path / "nianbao.yaml"
        write_config(config, portal, [])
        try:
            jobs.poll_portal(str(config), "p")
            yield portal, config
        finally:
            jobs.close_apps()


def snapshot(config: Path) -> tuple[dict[int, tuple[str | None, str, str]], int, list[str]]:
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        findings = {f.id: (f.body_id, f.state, f.fingerprint) for f in session.scalars(select(Finding))}
        outbox = int(session.scalar(select(func.count()).select_from(Outbox)) or 0)
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.finding_id.is_not(None)).order_by(Event.id))]
        return findings, outbox, kinds


def test_recheck_after_an_alias_attributes_the_report_and_keeps_its_findings(polled: tuple[DemoPortal, Path]) -> None:
    portal, config = polled
    before, outbox_before, _kinds = snapshot(config)
    assert before and {body for body, _state, _fp in before.values()} == {None}, "unattributed at first"
    jobs.close_apps()

    write_config(config, portal, ["城南新区"])
    out, err = io.StringIO(), io.StringIO()
    assert main(["recheck", "-c", str(config)], out, err) == 0, err.getvalue()
    assert "重新检查完成" in out.getvalue()

    after, outbox_after, kinds = snapshot(config)
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        document = session.scalar(select(Document).where(Document.url == portal.url(ROUTE)))
        assert document is not None and document.body_id == "cn"
        assert {(r.body_id, r.year) for r in session.scalars(select(Report))} == {("cn", 2025)}
    # The same findings (same ids), now the body's, each once; nothing opened twice, nothing pushed again.
    open_after = {i: v for i, v in after.items() if v[1] != "resolved"}
    assert set(open_after) <= set(before)
    assert {body for body, _state, _fp in open_after.values()} == {"cn"}
    assert len({fp for _body, _state, fp in open_after.values()}) == len(open_after)
    assert kinds.count("finding.reattributed") == len(open_after)
    assert kinds.count("finding.opened") == len(before)
    assert outbox_after == outbox_before

    # Again: nothing changes.
    jobs.close_apps()
    assert main(["recheck", "-c", str(config), "--body", "cn", "--year", "2025"], out, err) == 0
    assert snapshot(config) == (after, outbox_after, kinds)


def test_recheck_of_an_unknown_body_is_an_input_error(polled: tuple[DemoPortal, Path]) -> None:
    _portal, config = polled
    jobs.close_apps()
    out, err = io.StringIO(), io.StringIO()
    assert main(["recheck", "-c", str(config), "--body", "nosuch"], out, err) == 2
    assert "没有编号为 nosuch 的单位" in err.getvalue()


def test_a_new_rules_version_rechecks_without_spurious_changes(polled: tuple[DemoPortal, Path]) -> None:
    _portal, config = polled
    app = jobs.app_for(str(config))
    with app.store.db.transaction() as session:
        assert get_setting(session, RULES_VERSION) == rules_version()
        set_setting(session, RULES_VERSION, "an-older-version")
    before = snapshot(config)
    app.clock.advance(hours=1)  # type: ignore[attr-defined]
    jobs.process_pending(str(config))
    with app.store.db.transaction() as session:
        assert get_setting(session, RULES_VERSION) == rules_version()
        rechecks = [e.data for e in session.scalars(select(Event).where(Event.kind == "store.rechecked"))]
    assert rechecks and rechecks[-1]["checked"] == 1 and rechecks[-1]["previous"] == "an-older-version"
    assert snapshot(config) == before  # same findings, same states, no new events, nothing queued
