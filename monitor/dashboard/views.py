"""The dashboard's pages: the year's overview, a body, findings, one finding with its evidence, the crawls with
their logs and the links that cannot be opened, the digests."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)

from crawler.presets import PRESETS
from crawler.run import LOG_MAX_BYTES, LOGS_KEPT, default_log_dir
from monitor.dashboard.evidence import evidence_for
from monitor.dashboard.labels import STATE_ZH, rule_info
from monitor.dashboard.params import year_arg
from monitor.dashboard.status import due_year, years
from monitor.dashboard.status import overview as body_overview
from monitor.store.dashboard_queries import (
    body_documents,
    crawl_runs,
    find_findings,
    finding_detail,
    get_body,
    get_crawl_run,
    reports,
)
from monitor.store.findings import LifecycleError, acknowledge, mute, unmute
from monitor.store.registry import unreachable_documents
from monitor.store.status import CRAWL_STATUS_ZH, reason_zh, run_reason_zh
from rules.locations import describe, technical

if TYPE_CHECKING:
    from monitor.dashboard.web import DashboardState

bp = Blueprint("views", __name__)

_DIGEST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.html$")
SEVERITIES = ("error", "warning", "info")


def state() -> DashboardState:
    """The shared dashboard state of this application."""
    shared: DashboardState = current_app.extensions["nianbao"]
    return shared


@bp.get("/")
def overview() -> Any:
    """Every registered body's standing for the year, and what was fixed lately."""
    shared = state()
    app = shared.app
    year = year_arg(due_year(app))
    assert year is not None
    rows = body_overview(app, year)
    with app.store.db.transaction() as session:
        fixed = find_findings(session, year=year, states=["resolved"], limit=10)
    standings = [r.standing for r in rows]
    totals = {
        "bodies": len(rows),
        "published": sum(1 for s in standings if s.status in ("on_time", "late", "uncertain")),
        "late": sum(1 for s in standings if s.status == "late"),
        "missing": sum(1 for s in standings if s.status == "missing"),
        "unreachable": sum(1 for s in standings if s.status == "unreachable"),
        "errors": sum(s.errors for s in standings),
        "warnings": sum(s.warnings for s in standings),
    }
    names = {b.id: b.name for b in app.config.bodies}
    return render_template(
        "overview.html",
        year=year,
        years=years(app),
        rows=rows,
        totals=totals,
        fixed=fixed,
        names=names,
    )


@bp.get("/bodies/<body_id>")
def body(body_id: str) -> Any:
    """A body: its reports with versions and dates, its findings."""
    app = state().app
    with app.store.db.transaction() as session:
        found = get_body(session, body_id)
        if found is None:
            abort(404, "没有这个单位")
        documents = body_documents(session, body_id)
        checked = reports(session, body_id=body_id)
        findings = find_findings(session, body_id=body_id)
    configured = next((b for b in app.config.bodies if b.id == body_id), None)
    deadline = app.config.deadline_of(configured) if configured else None
    return render_template("body.html", body=found, deadline=deadline, documents=documents, reports=checked, findings=findings)


@bp.get("/findings")
def findings() -> Any:
    """Findings by state, severity, year and body."""
    app = state().app
    wanted_state = request.args.get("state", "unresolved")
    states = {"unresolved": ["open", "acknowledged"], "all": []}.get(wanted_state, [wanted_state])
    if any(s not in STATE_ZH for s in states):
        abort(400, "未知的状态")
    severity = request.args.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        abort(400, "未知的严重程度")
    year = year_arg(None)
    body_id = request.args.get("body") or None
    with app.store.db.transaction() as session:
        found = find_findings(session, body_id=body_id, year=year, states=states, severity=severity, limit=500)
    names = {b.id: b.name for b in app.config.bodies}
    filters = {
        "state": wanted_state,
        "severity": severity or "",
        "year": "" if year is None else str(year),
        "body": body_id or "",
    }
    return render_template("findings.html", findings=found, names=names, filters=filters, bodies=app.config.bodies)


@bp.get("/findings/<id:finding_id>")
def finding(finding_id: int) -> Any:
    """One finding: message, rule, basis, the report's table with the failing cells, state history, actions."""
    shared = state()
    with shared.app.store.db.transaction() as session:
        detail = finding_detail(session, finding_id)
    if detail is None:
        abort(404, "没有这个问题")
    report = detail.report
    evidence = evidence_for(
        shared.cache,
        report.sha256 if report else None,
        report.content_type if report else None,
        detail.finding.locator,
        detail.evidence,
    )
    tz = ZoneInfo(shared.app.config.timezone)
    today = shared.app.clock.now().astimezone(tz).date()
    return render_template(
        "finding.html",
        detail=detail,
        f=detail.finding,
        where=describe(detail.finding.locator),
        raw=technical(detail.finding.locator),
        rule=rule_info(detail.finding.rule),
        evidence=evidence,
        min_until=date.fromordinal(today.toordinal() + 1).isoformat(),
    )


def _act(finding_id: int, action: str) -> Any:
    app = state().app
    reason = request.form.get("reason", "").strip()[:500]
    now = app.clock.now()
    try:
        with app.store.db.transaction() as session:
            if action == "acknowledge":
                acknowledge(session, str(finding_id), actor=g.user, reason=reason, at=now)
                flash("已确认该问题。", "ok")
            elif action == "mute":
                until_text = request.form.get("until", "")
                try:
                    until_day = date.fromisoformat(until_text)
                except ValueError:
                    raise LifecycleError("请填写静默截止日期（年-月-日）") from None
                until = datetime.combine(until_day, time(23, 59), tzinfo=ZoneInfo(app.config.timezone))
                mute(session, str(finding_id), actor=g.user, reason=reason, until=until, at=now)
                flash(f"已静默至 {until_day.isoformat()}。", "ok")
            else:
                unmute(session, str(finding_id), actor=g.user, reason=reason, at=now)
                flash("已取消静默。", "ok")
    except LifecycleError as exc:
        flash(str(exc), "error")
    return redirect(url_for("views.finding", finding_id=finding_id))


@bp.post("/findings/<id:finding_id>/acknowledge")
def acknowledge_finding(finding_id: int) -> Any:
    """确认: someone took the finding (open or muted → acknowledged)."""
    return _act(finding_id, "acknowledge")


@bp.post("/findings/<id:finding_id>/mute")
def mute_finding(finding_id: int) -> Any:
    """静默: silence the finding until a date, with a reason."""
    return _act(finding_id, "mute")


@bp.post("/findings/<id:finding_id>/unmute")
def unmute_finding(finding_id: int) -> Any:
    """取消静默."""
    return _act(finding_id, "unmute")


@bp.get("/crawls")
def crawls() -> Any:
    """The latest crawls of every portal (health, documents that could not be fetched, a link to each kept log),
    and every listed report that cannot be opened."""
    app = state().app
    with app.store.db.transaction() as session:
        runs = crawl_runs(session, limit=100)
        dead = unreachable_documents(session)
    names = {b.id: b.name for b in app.config.bodies}
    portals = {p.id: p.name for p in app.config.portals}
    logs = {run.id for run in runs if _log_file(run.log_path) is not None}
    return render_template(
        "crawls.html",
        runs=runs,
        dead=dead,
        names=names,
        portals=portals,
        logs=logs,
        status_zh=CRAWL_STATUS_ZH,
        reason_zh=reason_zh,
        run_reason_zh=run_reason_zh,
        systems={name: preset.label for name, preset in PRESETS.items()},
        logs_kept=LOGS_KEPT,
        log_mb=LOG_MAX_BYTES // (1024 * 1024),
    )


@bp.get("/crawls/<id:run_id>/log")
def crawl_log(run_id: int) -> Any:
    """The crawler's log of one run, as kept in the data folder (plain text)."""
    app = state().app
    with app.store.db.transaction() as session:
        run = get_crawl_run(session, run_id)
    if run is None:
        abort(404, "没有这次抓取")
    path = _log_file(run.log_path)
    if path is None:
        abort(404, "这次抓取的日志已不存在（只保留每个网站最近的日志）")
    return send_file(path, mimetype="text/plain; charset=utf-8", download_name=path.name, max_age=0)


def _log_file(stored: str | None) -> Path | None:
    """The kept log file a run names, when it still exists inside the logs folder of the data folder (a path
    stored elsewhere is never served)."""
    if not stored:
        return None
    folder = default_log_dir(state().app.store.blobs.root).resolve()
    path = Path(stored).resolve()
    return path if path.parent == folder and path.is_file() else None


@bp.get("/digests")
def digests() -> Any:
    """The weekly digests archive: ``<week>.html`` files in the digests folder, newest first."""
    folder = state().digests
    files = sorted((p for p in folder.glob("*.html") if _DIGEST_NAME.match(p.name)), key=lambda p: p.name, reverse=True)
    entries = [{"name": p.name, "week": p.stem, "size": p.stat().st_size} for p in files if p.is_file()]
    return render_template("digests.html", entries=entries)


@bp.get("/digests/<name>")
def digest(name: str) -> Any:
    """One digest as it was written."""
    if not _DIGEST_NAME.match(name):
        abort(404, "没有这份汇总")
    folder = state().digests
    if not (folder / name).is_file():
        abort(404, "没有这份汇总")
    return send_from_directory(folder, name, mimetype="text/html")
