"""The dashboard's WSGI application: Flask with Jinja2 templates, built around a loaded :class:`monitor.app.App`."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from monitor.app import App
from monitor.clock import local_time
from monitor.dashboard import api, auth, deliveries, views
from monitor.dashboard.evidence import ReportCache
from monitor.dashboard.labels import SEVERITY_ZH, STATE_ZH, event_zh
from monitor.dashboard.params import IdConverter
from monitor.store.dashboard_queries import ping
from rules.deadlines import BODY_TYPE_ZH
from rules.locations import describe, position, technical

log = logging.getLogger("nianbao.dashboard")

_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# Digests are HTML written by nianbao itself, with inline styles for mail clients; still no scripts.
_DIGEST_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"


@dataclass
class DashboardState:
    """What the views share: the monitor, the parsed-report cache, the login throttle, the digests folder."""

    app: App
    cache: ReportCache
    throttle: auth.Throttle
    digests: Path


def digests_folder(app: App) -> Path:
    """The digests folder of the configuration (relative paths are relative to the configuration file)."""
    folder = Path(app.config.digests)
    return folder if folder.is_absolute() else Path(app.config_file).resolve().parent / folder


def _secret(app: App) -> str:
    name = app.config.dashboard.secret_env
    value = os.environ.get(name, "")
    if len(value) >= 16:
        return value
    log.warning("环境变量 %s 未设置（或短于16个字符）：使用临时密钥，服务重启后需要重新登录。", name)
    return secrets.token_urlsafe(32)


def create_app(app: App, *, secret: str | None = None, throttle: auth.Throttle | None = None) -> Flask:
    """The dashboard for ``app``: pages, the JSON API under /api/ and /healthz, all but login behind a session."""
    settings = app.config.dashboard
    web = Flask(__name__)
    web.config.update(
        SECRET_KEY=secret or _secret(app),
        SESSION_COOKIE_NAME="nianbao_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=64 * 1024,
        NIANBAO_DASHBOARD=settings,
    )
    web.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.behind_proxy:
        web.wsgi_app = ProxyFix(web.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if not settings.users:
        log.warning("dashboard.users 未配置：没有人能登录网页界面（用 nianbao dashboard hash-password 生成密码哈希）。")
    web.extensions["nianbao"] = DashboardState(
        app, ReportCache(app.store.blobs), throttle or auth.Throttle(), digests_folder(app)
    )
    web.url_map.converters["id"] = IdConverter  # before the routes using <id:…> are added
    web.register_blueprint(auth.bp)
    web.register_blueprint(views.bp)
    web.register_blueprint(api.bp)
    web.register_blueprint(deliveries.bp)
    web.before_request(auth.check_request)
    web.after_request(_headers)
    web.register_error_handler(HTTPException, _error)
    web.add_url_rule("/healthz", "health", _health)
    timezone = app.config.timezone
    web.jinja_env.filters["local"] = lambda at, fmt="%Y-%m-%d %H:%M": _local(at, timezone, fmt)
    web.jinja_env.filters["where"] = describe
    web.jinja_env.filters["position"] = position
    web.jinja_env.filters["technical"] = lambda source: technical({"source": source})
    web.jinja_env.filters["event_zh"] = event_zh
    web.jinja_env.globals.update(
        csrf_token=auth.csrf_token,
        county=app.config.county_name,
        STATE_ZH=STATE_ZH,
        SEVERITY_ZH=SEVERITY_ZH,
        BODY_TYPE_ZH=BODY_TYPE_ZH,
    )
    return web


def _local(at: datetime | str | None, timezone: str, fmt: str) -> str:
    """A stored time (or an ISO string from an event's data) in the county's time zone."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at) if at else None
    return local_time(at, timezone, fmt)


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", _DIGEST_CSP if request.endpoint == "views.digest" else _PAGE_CSP)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


_ERROR_ZH = {
    400: ("请求有误", "请检查填写的内容后重试。"),
    403: ("拒绝访问", "没有权限执行此操作。"),
    404: ("找不到页面", "要找的内容不存在。"),
    405: ("不支持的操作", "该地址不支持这种请求。"),
    413: ("提交的内容太大", "请缩短填写的内容。"),
}


def _error(error: HTTPException) -> Any:
    code = error.code or 500
    title, default = _ERROR_ZH.get(code, ("出错了", "请稍后重试。"))
    # Werkzeug's own descriptions are English; ours (abort(…, "…")) are Chinese.
    message = error.description if error.description and not error.description.isascii() else default
    if request.path.startswith("/api/"):
        response = jsonify({"error": error.name, "message": message})
        response.status_code = code
        return response
    return render_template("error.html", code=code, title=title, message=message), code


def _health() -> Any:
    state: DashboardState = current_app.extensions["nianbao"]
    try:
        with state.app.store.db.transaction() as session:
            ping(session)
    except Exception:
        log.exception("health check: the database does not answer")
        return jsonify({"status": "database unavailable"}), 503
    return jsonify({"status": "ok"})
