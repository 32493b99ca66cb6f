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
from monitor.config import Dashboard
from monitor.dashboard import api, auth, deliveries, views
from monitor.dashboard.evidence import ReportCache
from monitor.dashboard.labels import SEVERITY_ZH, STATE_ZH, event_zh
from monitor.dashboard.params import IdConverter
from monitor.store.dashboard_queries import ping
from monitor.store.db import Database
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
    """What the views share: the monitor, the parsed-report cache, the login throttle, the digests folder; where
    sessions are kept, and, in a deployment of several counties, which county this is and where it is mounted."""

    app: App
    cache: ReportCache
    throttle: auth.Throttle
    digests: Path
    #: The database of the dashboard sessions: the county's own, or the deployment's.
    sessions: Database
    #: The county id in a deployment of several counties: its users and the supervisors may use it (None: a
    #: single county's dashboard, every configured user may).
    county_id: str | None = None
    #: The path this dashboard is mounted at under the deployment's root (``/c/<id>``; "" when served alone).
    mount: str = ""


def digests_folder(app: App) -> Path:
    """The digests folder of the configuration (relative paths are relative to the configuration file)."""
    folder = Path(app.config.digests)
    return folder if folder.is_absolute() else Path(app.config_file).resolve().parent / folder


def secret_key(settings: Dashboard) -> str:
    """The key that signs the session cookies: the environment variable `secret_env` names, else a temporary one."""
    name = settings.secret_env
    value = os.environ.get(name, "")
    if len(value) >= 16:
        return value
    log.warning("环境变量 %s 未设置（或短于16个字符）：使用临时密钥，服务重启后需要重新登录。", name)
    return secrets.token_urlsafe(32)


def flask_config(settings: Dashboard, secret: str) -> dict[str, Any]:
    """The Flask settings of a dashboard application (every application of a deployment shares them, the cookie
    with them)."""
    return {
        "SECRET_KEY": secret,
        "SESSION_COOKIE_NAME": "nianbao_session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.secure_cookie,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.session_hours),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "NIANBAO_DASHBOARD": settings,
    }


def create_app(app: App, *, secret: str | None = None, throttle: auth.Throttle | None = None) -> Flask:
    """The dashboard for ``app``: pages, the JSON API under /api/ and /healthz, all but login behind a session."""
    settings = app.config.dashboard
    secret = secret or secret_key(settings)
    web = county_app(app, settings, secret=secret, throttle=throttle or auth.Throttle(), sessions=app.store.db)
    if settings.behind_proxy:
        web.wsgi_app = ProxyFix(web.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if not settings.users:
        log.warning("dashboard.users 未配置：没有人能登录网页界面（用 nianbao dashboard hash-password 生成密码哈希）。")
    return web


def county_app(
    app: App, settings: Dashboard, *, secret: str, throttle: auth.Throttle, sessions: Database, county_id: str | None = None,
    mount: str = "",
) -> Flask:  # fmt: skip
    """The dashboard of one county: alone (:func:`create_app`), or one county of a deployment mounted at ``mount``
    (its users and sessions the deployment's)."""
    web = Flask(__name__)
    web.config.update(flask_config(settings, secret))
    web.json.ensure_ascii = False  # type: ignore[attr-defined]
    web.extensions["nianbao"] = DashboardState(
        app, ReportCache(app.store.blobs), throttle, digests_folder(app), sessions, county_id, mount
    )
    web.url_map.converters["id"] = IdConverter  # before the routes using <id:…> are added
    web.register_blueprint(auth.bp)
    web.register_blueprint(views.bp)
    web.register_blueprint(api.bp)
    web.register_blueprint(deliveries.bp)
    web.before_request(auth.check_request)
    web.after_request(headers)
    web.register_error_handler(HTTPException, error_page)
    web.add_url_rule("/healthz", "health", _health)
    timezone = app.config.timezone
    add_template_helpers(web, app.config.county_name, timezone)
    web.jinja_env.globals.update(in_deployment=bool(mount), root_path=auth.root_path)
    return web


def add_template_helpers(web: Flask, title: str, timezone: str, home: str = "views.overview") -> None:
    """The filters and globals every dashboard template uses (``county``: the name in the page's title bar)."""
    web.config["NIANBAO_HOME"] = home
    web.jinja_env.filters["local"] = lambda at, fmt="%Y-%m-%d %H:%M": _local(at, timezone, fmt)
    web.jinja_env.filters["where"] = describe
    web.jinja_env.filters["position"] = position
    web.jinja_env.filters["technical"] = lambda source: technical({"source": source})
    web.jinja_env.filters["event_zh"] = event_zh
    web.jinja_env.globals.update(
        csrf_token=auth.csrf_token,
        county=title,
        home_endpoint=home,
        STATE_ZH=STATE_ZH,
        SEVERITY_ZH=SEVERITY_ZH,
        BODY_TYPE_ZH=BODY_TYPE_ZH,
    )


def _local(at: datetime | str | None, timezone: str, fmt: str) -> str:
    """A stored time (or an ISO string from an event's data) in the county's time zone."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at) if at else None
    return local_time(at, timezone, fmt)


def headers(response: Response) -> Response:
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


def error_page(error: HTTPException) -> Any:
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
