"""The dashboard of a deployment of several counties: one WSGI application.

Each county's dashboard (:func:`monitor.dashboard.web.county_app`, the same pages and API as a single county's) is
mounted at ``/c/<county id>/``; the root holds login, the county-by-county overview (各县概况, ``/``), its JSON
(``/api/counties``) and the provincial digest (汇总, ``/digest``). Every application shares the secret key and
the cookie, and the sessions are kept in the deployment's own database, so one login works everywhere.

A county's user (``dashboard.users[].county``) sees only that county: ``/`` sends them to it, ``/api/counties``
and ``/digest`` list it alone, and every page and call of another county answers 403
(:func:`monitor.dashboard.auth.check_request`). The supervising office (no county) sees every county.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, redirect, render_template
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from monitor.dashboard import auth
from monitor.dashboard.params import year_arg
from monitor.dashboard.status import due_year
from monitor.dashboard.web import add_template_helpers, county_app, error_page, flask_config, headers, secret_key
from monitor.deployment import Deployment
from monitor.store.crawl import CrawlRunRecord
from monitor.store.dashboard_queries import crawl_runs, finding_counts, ping
from monitor.store.db import Database
from monitor.store.status import CRAWL_STATUS_ZH, STATUS_ZH, BodyStatus

log = logging.getLogger("nianbao.dashboard")

bp = Blueprint("counties", __name__)

#: Where a county's dashboard is mounted.
MOUNT = "/c/{county}"


@dataclass
class DeploymentState:
    """What the root pages share: the deployment, the login throttle, the sessions' database."""

    deployment: Deployment
    throttle: auth.Throttle
    sessions: Database
    county_id: str | None = None  # the root serves every county (its pages list only those the user may see)
    mount: str = ""


@dataclass(frozen=True)
class CountySummary:
    """One county's standing for a report year, as the overview, the digest and ``/api/counties`` show it."""

    id: str
    name: str
    year: int
    bodies: int
    statuses: dict[str, int]
    errors: int
    warnings: int
    infos: int
    muted: int
    last_crawl: CrawlRunRecord | None
    overdue: tuple[BodyStatus, ...]


def county_summary(deployment: Deployment, county: str, year: int | None = None) -> CountySummary:
    """The standing of ``county`` for ``year`` (default: the year due now in the county)."""
    app = deployment.apps[county]
    year = year or due_year(app)
    standings = app.statuses(year)
    with app.store.db.transaction() as session:
        counts = finding_counts(session, year).values()
        runs = crawl_runs(session, limit=1)
    tally = Counter(s.status for s in standings)
    return CountySummary(
        id=county,
        name=app.config.county_name,
        year=year,
        bodies=len(standings),
        statuses={status: tally.get(status, 0) for status in STATUS_ZH},
        errors=sum(c.errors for c in counts),
        warnings=sum(c.warnings for c in counts),
        infos=sum(c.infos for c in counts),
        muted=sum(c.muted for c in counts),
        last_crawl=runs[0] if runs else None,
        overdue=tuple(s for s in standings if s.status == "missing"),
    )


def _state() -> DeploymentState:
    shared: DeploymentState = current_app.extensions["nianbao"]
    return shared


def _visible() -> list[str]:
    """The counties the logged-in user may see, in the configured order."""
    counties = list(_state().deployment.apps)
    own = g.get("user_county")
    return [c for c in counties if c == own] if own is not None else counties


def county_url(county: str, path: str = "/") -> str:
    """The address of a page of ``county``'s dashboard."""
    return auth.root_path(MOUNT.format(county=county) + path)


def _summaries() -> tuple[int | None, list[CountySummary]]:
    year = year_arg(None)
    return year, [county_summary(_state().deployment, county, year) for county in _visible()]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/")
def overview() -> Any:
    """各县概况: every county's standing (a county's user goes to their county's overview)."""
    own = g.get("user_county")
    if own is not None:
        return redirect(county_url(own))
    year, summaries = _summaries()
    return render_template("counties.html", summaries=summaries, year=year or _shown_year(summaries))


@bp.get("/digest")
def digest() -> Any:
    """汇总: the county-by-county table, and in each county the bodies whose report is overdue."""
    year, summaries = _summaries()
    return render_template("counties_digest.html", summaries=summaries, year=year or _shown_year(summaries))


@bp.get("/api/counties")
def counties() -> Any:
    """The counties the user may see with their standing for ``year`` (default: the year due now)."""
    year, summaries = _summaries()
    return jsonify({"year": year or _shown_year(summaries), "counties": [_county_json(s) for s in summaries]})


def _shown_year(summaries: list[CountySummary]) -> int | None:
    return summaries[0].year if summaries else None


def _county_json(summary: CountySummary) -> dict[str, Any]:
    run = summary.last_crawl
    return {
        "id": summary.id,
        "name": summary.name,
        "url": county_url(summary.id),
        "year": summary.year,
        "bodies": summary.bodies,
        "statuses": summary.statuses,
        "findings": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "muted": summary.muted,
        },
        "last_crawl": None
        if run is None
        else {
            "portal_id": run.portal_id,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "status": run.status,
            "status_zh": CRAWL_STATUS_ZH.get(run.status, run.status),
        },
        "overdue": [{"id": s.body_id, "name": s.name, "deadline": s.deadline.isoformat()} for s in summary.overdue],
    }


def _health() -> Any:
    deployment = _state().deployment
    try:
        for database in (deployment.database, *(app.store.db for app in deployment.apps.values())):
            with database.transaction() as session:
                ping(session)
    except Exception:
        log.exception("health check: the database does not answer")
        return jsonify({"status": "database unavailable"}), 503
    return jsonify({"status": "ok"})


def create_deployment_app(deployment: Deployment, *, secret: str | None = None, throttle: auth.Throttle | None = None) -> Flask:
    """The dashboard of a deployment of several counties: the root's pages, each county's dashboard at
    ``/c/<id>/``, one login for all (the sessions in the deployment's database)."""
    settings = deployment.dashboard
    secret = secret or secret_key(settings)
    throttle = throttle or auth.Throttle()
    root = Flask(__name__)
    root.config.update(flask_config(settings, secret))
    root.json.ensure_ascii = False  # type: ignore[attr-defined]
    root.extensions["nianbao"] = DeploymentState(deployment, throttle, deployment.database)
    root.register_blueprint(auth.bp)
    root.register_blueprint(bp)
    root.before_request(auth.check_request)
    root.after_request(headers)
    root.register_error_handler(HTTPException, error_page)
    root.add_url_rule("/healthz", "health", _health)
    add_template_helpers(root, deployment.name, deployment.timezone, home="counties.overview")
    root.jinja_env.globals.update(in_deployment=True, root_path=auth.root_path, county_url=county_url, STATUS_ZH=STATUS_ZH)
    root.jinja_env.globals["CRAWL_STATUS_ZH"] = CRAWL_STATUS_ZH
    mounts: dict[str, Any] = {}
    for county, app in deployment.apps.items():
        mount = MOUNT.format(county=county)
        mounts[mount] = county_app(
            app, settings, secret=secret, throttle=throttle, sessions=deployment.database, county_id=county, mount=mount
        )
    root.extensions["nianbao_counties"] = mounts
    dispatcher: Any = DispatcherMiddleware(root.wsgi_app, mounts)
    root.wsgi_app = ProxyFix(dispatcher, x_for=1, x_proto=1, x_host=1) if settings.behind_proxy else dispatcher  # type: ignore[method-assign]
    if not settings.users:
        log.warning("dashboard.users 未配置：没有人能登录网页界面（用 nianbao dashboard hash-password 生成密码哈希）。")
    return root
