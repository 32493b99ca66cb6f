"""Login, sessions, CSRF and login throttling of the dashboard.

- Accounts come from ``dashboard.users`` (scrypt hashes). A session is kept on the server
  (:mod:`monitor.store.sessions`); Flask's signed cookie (HttpOnly, SameSite=Lax) holds only its random token
  and the CSRF token. A request is logged in while the session's record exists, has not ended, has not expired
  (``session_hours`` after login) and was made with the user's current password hash: logging out, or changing
  the hash in the configuration, ends every copy of the cookie.
- Every POST must carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
- After 5 wrong passwords in a row for one user name from one address, each further attempt must wait
  (2 s, doubling up to 5 minutes); the login page says how long. An attempt is counted before its password is
  checked, under the same lock as the check, so that parallel attempts get no more tries.
- After login the browser goes back to the page it asked for: only a same-site path (see
  :func:`monitor.dashboard.params.safe_target`), else the overview.
- In a deployment of several counties every county's dashboard is mounted at ``/c/<county id>/`` beside the
  deployment's own pages; they share the cookie, and the sessions are kept in the deployment's database. Login is
  at the root (a county's login page sends there). A user of one county (``dashboard.users[].county``) may use
  only that county's dashboard: every page and call of another answers 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Forbidden

from monitor.config import Dashboard, DashboardUser
from monitor.dashboard.params import safe_target
from monitor.dashboard.passwords import DUMMY_HASH, verify_password
from monitor.store.db import Database
from monitor.store.sessions import create_session, end_session, purge_sessions, touch_session, valid_session

bp = Blueprint("auth", __name__)

#: Endpoints reachable without a session.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.login_post", "static", "health"})
FREE_ATTEMPTS = 5
#: How often a session's last use is written (at most).
TOUCH_EVERY = timedelta(minutes=5)
#: Ended and expired sessions are deleted this long after (at each login).
PURGE_AFTER_DAYS = 30


@dataclass
class _Failures:
    count: int
    last: float


class Throttle:
    """Consecutive login failures per (user name, address); ``clock`` is injectable for tests."""

    def __init__(
        self, free: int = FREE_ATTEMPTS, base: float = 2.0, cap: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.free, self.base, self.cap, self.clock = free, base, cap, clock
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = Lock()

    def _delay(self, count: int) -> float:
        return 0.0 if count < self.free else min(self.cap, self.base * 2 ** (count - self.free))

    def _wait(self, key: tuple[str, str], now: float) -> float:
        entry = self._failures.get(key)
        return 0.0 if entry is None else max(0.0, entry.last + self._delay(entry.count) - now)

    def _count(self, key: tuple[str, str], now: float) -> int:
        if len(self._failures) > 10_000:  # forget old entries rather than grow without bound
            self._failures = {k: v for k, v in self._failures.items() if now - v.last < 3600}
        entry = self._failures.setdefault(key, _Failures(0, now))
        entry.count, entry.last = entry.count + 1, now
        return entry.count

    def wait(self, key: tuple[str, str]) -> float:
        """Seconds to wait before this key may try again (0: it may try now)."""
        with self._lock:
            return self._wait(key, self.clock())

    def failed(self, key: tuple[str, str]) -> int:
        """Count a wrong password; returns the consecutive failures so far."""
        with self._lock:
            return self._count(key, self.clock())

    def attempt(self, key: tuple[str, str]) -> float:
        """Check and count an attempt at once: the seconds to wait (0: go ahead, and it is counted as a failure
        until :meth:`succeeded` clears it). Checking and counting under one lock means that parallel attempts
        cannot all pass the check before any of them is counted."""
        with self._lock:
            now = self.clock()
            wait = self._wait(key, now)
            if wait == 0:
                self._count(key, now)
            return wait

    def succeeded(self, key: tuple[str, str]) -> None:
        """A right password clears the count."""
        with self._lock:
            self._failures.pop(key, None)

    def failures(self, key: tuple[str, str]) -> int:
        """Consecutive wrong passwords of this key."""
        with self._lock:
            entry = self._failures.get(key)
            return entry.count if entry else 0

    def next_delay(self, key: tuple[str, str]) -> float:
        """The wait before the next attempt after the failures counted so far (what the page announces)."""
        with self._lock:
            entry = self._failures.get(key)
            return self._delay(entry.count) if entry else 0.0


def password_mark(password_hash: str) -> str:
    """A short digest of the user's hash kept with the session: changing the password ends old sessions."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


class AuthState(Protocol):
    """What login and the access checks need of an application's shared state."""

    throttle: Throttle
    #: The database holding the sessions (a county's own, or a deployment's).
    sessions: Database
    #: The county this application serves in a deployment of several counties (None: a single county's dashboard,
    #: or the deployment's own pages).
    county_id: str | None
    #: Where this application is mounted under the deployment's root (``/c/<id>``; "" at the root).
    mount: str


def _state() -> AuthState:
    shared: AuthState = current_app.extensions["nianbao"]
    return shared


def root_path(path: str = "/") -> str:
    """``path`` (beginning with ``/``) under the deployment's root: the application's own mount point stripped from
    the script root, so that a county's dashboard links to the deployment's pages."""
    return request.script_root.removesuffix(_state().mount) + path


def _settings() -> Dashboard:
    settings: Dashboard = current_app.config["NIANBAO_DASHBOARD"]
    return settings


def _users() -> dict[str, str]:
    return {u.name: u.password_hash for u in _settings().users}


def user_record(name: str | None) -> DashboardUser | None:
    """The configured account of ``name``."""
    return next((u for u in _settings().users if u.name == name), None) if name is not None else None


def _db() -> Database:
    return _state().sessions


def _now() -> datetime:
    # Sessions expire by the machine's clock, not the monitor's (which tests and --today may set).
    return datetime.now(UTC)


def csrf_token() -> str:
    """The session's CSRF token (created on first use); every form renders it."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def current_user() -> str | None:
    """The logged-in user of this request, or None: the cookie's token must name a running session on the server,
    made with the user's current password hash (a session of a changed password is ended here)."""
    token = session.get("sid")
    if not isinstance(token, str) or not token:
        return None
    now = _now()
    with _db().transaction() as tx:
        record = valid_session(tx, token, now=now)
        if record is None:
            return None
        stored = _users().get(record.user)
        if stored is None or not hmac.compare_digest(record.password_mark, password_mark(stored)):
            end_session(tx, token, now=now)
            return None
        if now - record.last_seen_at > TOUCH_EVERY:  # not a write on every request
            touch_session(tx, token, now=now)
    return record.user


def check_request() -> ResponseReturnValue | None:
    """Before every request: send visitors without a session to login (401 for /api/), refuse a user of another
    county (403), refuse a POST without the CSRF token."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        g.user = current_user()
        if g.user is None:
            if request.path.startswith("/api/"):
                response = jsonify({"error": "unauthorized", "message": "请先登录"})
                response.status_code = 401
                return response
            prefix = request.script_root if _state().mount else ""  # a county of a deployment: its path under the root
            target = prefix + request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(_login_url(target))
        account = user_record(g.user)
        g.user_county = account.county if account is not None else None
        g.supervisor = g.user_county is None
        own = _state().county_id
        if own is not None and g.user_county is not None and g.user_county != own:
            g.other_county = True  # the error page offers no link into this county
            raise Forbidden("该账号只能查看和处理本县的情况，不能访问其他县。")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Forbidden("表单已失效或缺少安全令牌（CSRF），请刷新页面后重试。")
    return None


def _login_url(target: str | None) -> str:
    """The login page (the deployment's, at its root, for a county's dashboard of a deployment)."""
    if _state().mount:
        return root_path("/login") + (f"?{urlencode({'next': target})}" if target else "")
    return url_for("auth.login", next=target)


def _safe_next(target: str | None) -> str:
    return safe_target(target) or url_for(current_app.config.get("NIANBAO_HOME", "views.overview"))


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.get("/login")
def login() -> Any:
    """The login form."""
    if _state().mount:  # a county of a deployment: one login for every county, at the root
        return redirect(_login_url(request.args.get("next")))
    if current_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    csrf_token()
    return render_template("login.html", next=request.args.get("next", ""), message=None)


@bp.post("/login")
def login_post() -> Any:
    """Check the password; slow down repeated failures."""
    if _state().mount:
        return redirect(_login_url(None), 303)
    throttle = _state().throttle
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    key = (name.lower(), _client())
    wait = throttle.attempt(key)
    if wait > 0:
        message = f"已连续输错密码{throttle.failures(key)}次，为保护账号，每次再试都需要等待：请在 {int(wait + 0.999)} 秒后再试。"
        page = render_template("login.html", next=target, message=message, name=name)
        return page, 429, {"Retry-After": str(int(wait + 0.999))}
    stored = _users().get(name)
    if verify_password(password, stored or DUMMY_HASH) and stored is not None:
        throttle.succeeded(key)
        now = _now()
        previous = session.get("sid")
        with _db().transaction() as tx:
            if isinstance(previous, str) and previous:
                end_session(tx, previous, now=now)
            purge_sessions(tx, before=now - timedelta(days=PURGE_AFTER_DAYS))
            token = create_session(tx, name, password_mark(stored), now=now, lifetime=timedelta(hours=_settings().session_hours))
        session.clear()
        session.permanent = True
        session.update(sid=token, csrf=secrets.token_urlsafe(32))
        return redirect(_safe_next(target))
    failures = throttle.failures(key)
    message = "用户名或密码错误。"
    if failures >= FREE_ATTEMPTS:
        message += f"已连续输错{failures}次，下次尝试需等待 {int(throttle.next_delay(key))} 秒。"
    elif failures == FREE_ATTEMPTS - 1:
        message += "再输错1次，之后每次尝试都需要等待。"
    return render_template("login.html", next=target, message=message, name=name), 401


@bp.post("/logout")
def logout() -> Any:
    """End the session on the server (every copy of the cookie with it) and in this browser."""
    token = session.get("sid")
    if isinstance(token, str) and token:
        with _db().transaction() as tx:
            end_session(tx, token, now=_now())
    session.clear()
    return redirect(_login_url(None))
