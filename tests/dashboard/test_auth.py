"""Acceptance 2: without a session every page redirects to login and every API call answers 401; a form post
without the CSRF token is refused; five wrong passwords in a row slow the next attempts down.
Plain HTTP against the served dashboard, plus Flask's test client where a session must be forged."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from monitor.dashboard import ServerHandle, create_app
from monitor.dashboard.auth import Throttle, password_mark
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import OTHER_PASSWORD, PASSWORD, Demo, finding_id

SAMPLE_VALUES = {
    "body_id": "ciying",
    "finding_id": "1",
    "report_id": "1",
    "name": "2026-W08.html",
    "filename": "style.css",
    "run_id": "1",
}
PUBLIC = {"auth.login", "auth.login_post", "static", "health"}


def _routes(demo: Demo) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every route of the dashboard, with sample values for its parameters."""
    return routes_of(create_app(demo.app, secret="x" * 32))


def routes_of(web: Flask) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every route of a Flask application, with sample values for its parameters."""
    out = []
    for rule in web.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", SAMPLE_VALUES[name], path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, path, rule.endpoint))
    return out


def test_every_page_and_api_call_needs_a_session(demo: Demo, server: ServerHandle) -> None:
    client = Client(server.url)
    routes = _routes(demo)
    assert len(routes) >= 15
    checked = 0
    for method, path, endpoint in routes:
        if endpoint in PUBLIC:
            continue
        reply = client.request(method, path, {} if method == "POST" else None)
        if path.startswith("/api/"):
            assert reply.status == 401, (method, path, reply.status)
            assert json.loads(reply.text)["error"] == "unauthorized"
        else:
            assert reply.status == 302, (method, path, reply.status)
            assert urlsplit(reply.headers["Location"]).path == "/login", (method, path)
        checked += 1
    assert checked >= 12
    assert client.get("/healthz").status == 200  # the health check (compose, systemd) needs no session
    assert client.get("/static/style.css").status == 200


def test_login_returns_to_the_page_asked_for(client: Client) -> None:
    first = client.get("/bodies/ciying?x=1")
    assert parse_qs(urlsplit(first.headers["Location"]).query)["next"] == ["/bodies/ciying?x=1"]
    token = client.csrf()
    reply = client.post("/login", {"csrf_token": token, "name": "zhangsan", "password": PASSWORD, "next": "/bodies/ciying?x=1"})
    assert reply.status == 302 and reply.headers["Location"].endswith("/bodies/ciying?x=1")
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/bodies/ciying").status == 200
    assert json.loads(client.get("/api/bodies").text)["year"] == 2025


def test_next_is_never_another_site(client: Client) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.jar.clear()
        reply = client.post("/login", {"csrf_token": client.csrf(), "name": "zhangsan", "password": PASSWORD, "next": target})
        assert reply.status == 302
        assert urlsplit(reply.headers["Location"]).path == "/" and "evil" not in reply.headers["Location"]


def test_a_form_post_without_the_csrf_token_is_refused(client: Client, demo: Demo) -> None:
    assert client.login("zhangsan", PASSWORD).status == 302
    target = finding_id(demo.app, "dayu", "S105")
    assert client.post(f"/findings/{target}/acknowledge", {"reason": "无令牌"}).status == 403
    assert client.post(f"/findings/{target}/acknowledge", {"reason": "错令牌", "csrf_token": "forged"}).status == 403
    assert client.post(f"/findings/{target}/mute", {"reason": "x", "until": "2026-12-31"}).status == 403
    assert client.post("/logout", {}).status == 403
    assert json.loads(client.get(f"/api/findings/{target}").text)["state"] == "open"  # nothing changed
    token = client.csrf(f"/findings/{target}")
    assert (
        client.post(f"/findings/{target}/mute", {"reason": "书面说明", "until": "2026-12-31", "csrf_token": token}).status == 302
    )
    muted = json.loads(client.get(f"/api/findings/{target}").text)
    assert muted["state"] == "muted" and muted["state_by"] == "zhangsan" and muted["events"][-1]["kind"] == "finding.muted"
    assert client.post(f"/findings/{target}/unmute", {"csrf_token": token}).status == 302
    assert json.loads(client.get(f"/api/findings/{target}").text)["state"] == "open"
    assert client.post("/logout", {"csrf_token": token}).status == 302
    assert client.get("/api/bodies").status == 401


def test_the_login_form_needs_its_token(client: Client) -> None:
    client.csrf()
    assert client.post("/login", {"name": "zhangsan", "password": PASSWORD}).status == 403


def test_five_wrong_passwords_in_a_row_slow_down(client: Client) -> None:
    for attempt in range(1, 6):
        reply = client.login("lisi", "wrong password")
        assert reply.status == 401, attempt
        assert "用户名或密码错误" in reply.text
    assert "下次尝试需等待 2 秒" in reply.text
    started = time.monotonic()
    slowed = client.login("lisi", OTHER_PASSWORD)  # even the right password must wait now
    assert slowed.status == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert "已连续输错密码5次" in slowed.text and "秒后再试" in slowed.text
    assert time.monotonic() - started < 2  # refused at once, not by holding a server thread
    other = Client(client.base)
    assert other.login("zhangsan", PASSWORD).status == 302  # another user is not affected


def test_throttle_doubles_the_wait_and_a_success_resets_it() -> None:
    now = [100.0]
    throttle = Throttle(clock=lambda: now[0])
    key = ("lisi", "127.0.0.1")
    for _ in range(4):
        throttle.failed(key)
    assert throttle.wait(key) == 0  # four mistakes are free
    throttle.failed(key)
    assert throttle.wait(key) == 2
    now[0] += 2
    assert throttle.wait(key) == 0
    throttle.failed(key)
    assert throttle.wait(key) == 4
    for _ in range(20):
        throttle.failed(key)
    assert throttle.wait(key) == 300  # capped at five minutes
    throttle.succeeded(key)
    assert throttle.wait(key) == 0


def test_a_cookie_without_a_session_on_the_server_is_not_logged_in(demo: Demo) -> None:
    """The cookie alone proves nothing: one signed with the right secret but naming no server-side session (here
    the fields of the former cookie-only sessions, and a made-up token) is sent to login."""
    web = create_app(demo.app, secret="s" * 32)
    client = web.test_client()
    stored = demo.app.config.dashboard.users[0].password_hash
    with client.session_transaction() as session:
        session.update(user="zhangsan", auth_at=int(time.time()), mark=password_mark(stored), csrf="t")
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        session["sid"] = "made-up-token"
    assert client.get("/api/findings").status_code == 401
