"""Sessions are kept on the server: the cookie holds only a random token (and the CSRF token). Logging out ends
every copy of the cookie; a changed password hash in the configuration ends the session; an expired session is
over. Against the served dashboard (a copied cookie is a second client with the same cookie value)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from monitor.config import Dashboard
from monitor.dashboard import ServerHandle, create_app
from monitor.dashboard.auth import password_mark
from monitor.dashboard.passwords import hash_password
from monitor.store.models import DashboardSession
from monitor.store.sessions import (
    create_session,
    end_session,
    purge_sessions,
    session_id,
    touch_session,
    valid_session,
)
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import OTHER_PASSWORD, PASSWORD, Demo
from tests.dashboard.served import cookie_contents, cookie_value, copy_cookies, serving

SECRET = "a test secret of the sessions tests"


@pytest.fixture
def web(demo: Demo) -> Flask:
    """A dashboard of its own (its configuration is changed by the tests), with a known secret."""
    return create_app(demo.app, secret=SECRET)


@pytest.fixture
def served(web: Flask) -> Iterator[ServerHandle]:
    with serving(web) as handle:
        yield handle


def _logged_in(base: str, name: str = "zhangsan", password: str = PASSWORD) -> Client:
    client = Client(base)
    assert client.login(name, password).status == 302
    assert client.get("/api/bodies").status == 200
    return client


def _token(web: Flask, client: Client) -> str:
    token = cookie_contents(web, cookie_value(client))["sid"]
    assert isinstance(token, str)
    return token


def test_the_cookie_holds_only_a_token_named_on_the_server(web: Flask, served: ServerHandle, demo: Demo) -> None:
    client = _logged_in(served.url)
    contents = cookie_contents(web, cookie_value(client))
    assert set(contents) - {"_permanent"} == {"sid", "csrf"}
    token = _token(web, client)
    with demo.app.store.db.transaction() as tx:
        row = tx.get(DashboardSession, session_id(token))
        assert row is not None and row.user == "zhangsan" and row.ended_at is None
        assert tx.scalar(select(DashboardSession.id).where(DashboardSession.id == token)) is None  # never the token
        hours = demo.app.config.dashboard.session_hours
        assert row.expires_at - row.created_at == timedelta(hours=hours)


def test_a_copied_cookie_stops_working_after_logout(server: ServerHandle) -> None:
    owner = _logged_in(server.url)
    thief = Client(server.url)
    copy_cookies(owner, thief)
    assert cookie_value(thief) == cookie_value(owner)
    assert thief.get("/api/bodies").status == 200  # a copy works while the session runs
    assert owner.post("/logout", {"csrf_token": owner.csrf("/")}).status == 302
    assert owner.get("/api/bodies").status == 401
    assert thief.get("/api/bodies").status == 401
    assert thief.get("/findings").status == 302
    reply = thief.request("GET", "/login")
    assert reply.status == 200 and "登录" in reply.text  # the login page, not a redirect into the dashboard
    assert _logged_in(server.url).get("/").status == 200  # logging in again works


def test_a_changed_password_hash_ends_the_session(web: Flask, served: ServerHandle) -> None:
    zhangsan = _logged_in(served.url)
    lisi = _logged_in(served.url, "lisi", OTHER_PASSWORD)
    settings: Dashboard = web.config["NIANBAO_DASHBOARD"]
    new_hash = hash_password("a new password of zhangsan", n=2**10)
    changed = tuple(dataclasses.replace(u, password_hash=new_hash) if u.name == "zhangsan" else u for u in settings.users)
    web.config["NIANBAO_DASHBOARD"] = dataclasses.replace(settings, users=changed)
    try:
        assert zhangsan.get("/api/bodies").status == 401
        assert lisi.get("/api/bodies").status == 200  # another user's session goes on
        assert _logged_in(served.url, "zhangsan", "a new password of zhangsan").get("/").status == 200
    finally:
        web.config["NIANBAO_DASHBOARD"] = settings
    assert zhangsan.get("/api/bodies").status == 401  # ended, not only refused: the old hash does not revive it


def test_an_expired_session_is_over(web: Flask, served: ServerHandle, demo: Demo) -> None:
    client = _logged_in(served.url)
    with demo.app.store.db.transaction() as tx:
        tx.execute(
            update(DashboardSession)
            .where(DashboardSession.id == session_id(_token(web, client)))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.get("/api/bodies").status == 401
    assert client.get("/").status == 302


def test_csrf_still_guards_a_logged_in_session(server: ServerHandle) -> None:
    client = _logged_in(server.url)
    assert client.post("/logout", {}).status == 403
    assert client.get("/api/bodies").status == 200
    assert json.loads(client.get("/api/bodies").text)["year"] == 2025


def test_the_store_functions(demo: Demo) -> None:
    now = datetime(2000, 1, 1, tzinfo=UTC)  # long past: the purge below leaves the sessions of other tests alone
    mark = password_mark("scrypt$test")
    with demo.app.store.db.transaction() as tx:
        first = create_session(tx, "store-test", mark, now=now, lifetime=timedelta(hours=1))
        second = create_session(tx, "store-test", mark, now=now, lifetime=timedelta(hours=1))
        other = create_session(tx, "store-other", mark, now=now, lifetime=timedelta(hours=1))
        found = valid_session(tx, first, now=now + timedelta(minutes=59))
        assert found is not None and found.user == "store-test" and found.password_mark == mark
        assert valid_session(tx, first, now=now + timedelta(hours=1)) is None  # expired
        assert valid_session(tx, "not a token", now=now) is None
        touch_session(tx, first, now=now + timedelta(minutes=5))
        touched = valid_session(tx, first, now=now)
        assert touched is not None and touched.last_seen_at == now + timedelta(minutes=5)
        assert end_session(tx, first, now=now) is True
        assert end_session(tx, first, now=now) is False
        assert valid_session(tx, first, now=now) is None
        assert end_session(tx, second, now=now) is True and valid_session(tx, second, now=now) is None
        assert valid_session(tx, other, now=now) is not None
        assert purge_sessions(tx, before=now + timedelta(days=1)) >= 3
        assert tx.get(DashboardSession, session_id(other)) is None
