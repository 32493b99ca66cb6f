"""What a person sees and does about notices that could not be delivered: ``nianbao outbox list|retry|drop`` (the
county's time zone, exit statuses), the dashboard's 通知发送情况 page and the digest's deliveries section."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from monitor.app import App
from monitor.cli import main
from monitor.clock import FixedClock
from monitor.dashboard.passwords import hash_password
from monitor.dashboard.web import create_app
from monitor.store.models import Event, Outbox
from notifications.digest import build_digest, render_digest
from notifications.dispatch import dispatch_once
from tests.notifications.conftest import T0, Receiver, config_data, free_port
from tests.notifications.test_dispatch import queue_findings

NOW = T0 + timedelta(hours=3)  # 2026-02-03 13:00 in Shanghai


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(list(argv), out, err)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Receiver]:
    """A county whose webhook receiver is down: the ciying and jiaohu notices have used up their attempts."""
    down = Receiver(free_port())
    targets = [{"tag": t, "url": down.url} for t in ("ciying", "jiaohu", "county")]
    data: dict[str, Any] = config_data(tmp_path, targets, max_attempts=2, retry_base_seconds=60)
    data["storage"]["database"] = f"sqlite:///{tmp_path / 'nianbao.db'}"
    data["storage"]["blobs"] = str(tmp_path / "blobs")
    data["dashboard"] = {"users": [{"name": "admin", "password_hash": hash_password("pw-for-tests", n=2**4)}]}
    path = tmp_path / "nianbao.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("NIANBAO_NOW", NOW.isoformat())
    app = App.load(str(path), clock=FixedClock(T0))
    try:
        for body in ("ciying", "jiaohu"):
            queue_findings(app.store, app.config, body)
        dispatch_once(app.store.db, app.config, T0)
        dispatch_once(app.store.db, app.config, T0 + timedelta(minutes=1))
    finally:
        app.close()
    return path, down


def outbox(path: Path) -> list[Outbox]:
    app = App.load(str(path))
    try:
        with app.store.db.transaction() as session:
            return list(session.scalars(select(Outbox).order_by(Outbox.id)))
    finally:
        app.close()


def test_list_retry_and_drop(failing: tuple[Path, Receiver]) -> None:
    path, down = failing
    first, second = outbox(path)
    assert first.exhausted_at is not None and second.exhausted_at is not None

    code, out, _ = run("outbox", "list", "-c", str(path))
    assert code == 0
    assert f"[{first.id}] 慢速重试  问题通知 → 次营镇人民政府  尝试 2 次" in out
    assert "下次发送 2026-02-03 16:01" in out  # 08:01 UTC + 6 hours, in Shanghai
    assert "最近错误：ciying（JSON）" in out
    assert "共 2 条待发送（其中 2 条多次失败、每6小时重试）" in out

    assert run("outbox", "drop", str(second.id), "--reason", "已电话通知", "--by", "李四", "-c", str(path))[0] == 0
    code, _, err = run("outbox", "drop", str(second.id), "--reason", "再次", "-c", str(path))
    assert code == 2 and "已经取消过" in err
    assert run("outbox", "drop", "999", "--reason", "无", "-c", str(path))[0] == 2
    assert run("outbox", "drop", str(second.id), "-c", str(path))[0] == 2  # no reason
    assert run("outbox", "retry", "-c", str(path))[0] == 2  # neither an id nor --all-failed
    code, out, _ = run("outbox", "list", "-c", str(path))
    assert f"[{second.id}] 已取消" in out and "由 李四 于 2026-02-03 13:00 取消" in out

    code, out, _ = run("outbox", "retry", "--all-failed", "-c", str(path))
    assert code == 0 and f"编号 {first.id}）" in out  # the dropped one stays dropped
    assert outbox(path)[0].next_attempt_at == NOW

    down.start()
    try:
        app = App.load(str(path))
        try:
            assert dispatch_once(app.store.db, app.config, NOW).sent == 1
            with app.store.db.transaction() as session:
                [event] = session.scalars(select(Event).where(Event.kind == "notification.dropped")).all()
            assert event.data["reason"] == "已电话通知" and event.data["by"] == "李四"
        finally:
            app.close()
    finally:
        down.stop()
    assert len(down.posts) == 1
    code, _, err = run("outbox", "retry", str(first.id), "-c", str(path))
    assert code == 2 and "不会重复发送" in err


def test_dashboard_page_and_digest_show_exhausted_and_dropped(failing: tuple[Path, Receiver]) -> None:
    path, _down = failing
    first, second = outbox(path)
    assert run("outbox", "drop", str(second.id), "--reason", "单位已撤销", "--by", "李四", "-c", str(path))[0] == 0
    app = App.load(str(path))
    try:
        web = create_app(app, secret="s" * 32)
        client = web.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        form = {"name": "admin", "password": "pw-for-tests", "csrf_token": token.group(1)}
        assert client.post("/login", data=form).status_code in (302, 303)
        html = client.get("/deliveries").get_data(as_text=True)
        assert "通知发送情况" in html
        assert f'data-outbox="{first.id}" data-state="exhausted"' in html and "慢速重试" in html
        assert f'data-outbox="{second.id}" data-state="dropped"' in html and "李四" in html
        assert "2026-02-03 16:01" in html  # the next attempt, in the county's zone

        digest = build_digest(app.store.db, app.config, "2026-W06", NOW)
        states = {d["id"]: d["state_zh"] for d in digest.deliveries}
        assert states == {first.id: "慢速重试", second.id: "已取消"}
        html_text, text = render_digest(digest)
        assert "每6小时重试" in text and "已取消（李四" in text and "慢速重试" in html_text
    finally:
        app.close()
