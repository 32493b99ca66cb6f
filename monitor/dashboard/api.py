"""The JSON API: bodies with their standing, reports, findings; described by /api/openapi.json.

Same authentication as the pages (the session cookie); without it every call answers 401. Read-only.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, jsonify, request

from monitor.dashboard.evidence import evidence_for
from monitor.dashboard.labels import STATE_ZH, rule_info
from monitor.dashboard.openapi import openapi_document
from monitor.dashboard.params import int_arg, year_arg
from monitor.dashboard.status import OverviewRow, due_year, overview
from monitor.dashboard.views import SEVERITIES, state
from monitor.store.dashboard_queries import (
    ReportRow,
    body_documents,
    find_findings,
    finding_detail,
    get_body,
    get_report,
    reports,
)
from monitor.store.findings import FindingView

bp = Blueprint("api", __name__, url_prefix="/api")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def body_json(row: OverviewRow) -> dict[str, Any]:
    """A body's standing as the API returns it."""
    standing = row.standing
    return {
        "id": standing.body_id,
        "name": standing.name,
        "type": standing.type,
        "year": standing.year,
        "deadline": standing.deadline.isoformat(),
        "status": standing.status,
        "status_zh": standing.status_zh,
        "published_on": _iso(standing.published_on),
        "url": standing.url,
        "days_left": row.days_left,
        "findings": {"errors": standing.errors, "warnings": standing.warnings, "muted": row.muted},
    }


def report_json(report: ReportRow) -> dict[str, Any]:
    """A report as the API returns it."""
    return {
        "id": report.id,
        "body_id": report.body_id,
        "year": report.year,
        "title": report.title,
        "template": report.template,
        "format": report.format,
        "checked_at": _iso(report.checked_at),
        "document_id": report.document_id,
        "version_id": report.version_id,
        "url": report.url,
        "published_on": _iso(report.published_on),
        "sha256": report.sha256,
        "fetched_at": _iso(report.fetched_at),
    }


def finding_json(finding: FindingView) -> dict[str, Any]:
    """A finding as the API returns it."""
    return {
        "id": finding.id,
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "rule_title": rule_info(finding.rule).title,
        "severity": finding.severity,
        "body_id": finding.body_id,
        "year": finding.year,
        "message": finding.message,
        "locator": finding.locator,
        "state": finding.state,
        "state_zh": STATE_ZH.get(finding.state, finding.state),
        "first_seen": _iso(finding.first_seen),
        "last_seen": _iso(finding.last_seen),
        "resolved_at": _iso(finding.resolved_at),
        "muted_until": _iso(finding.muted_until),
        "state_by": finding.state_by,
        "state_reason": finding.state_reason,
        "document_id": finding.document_id,
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(state().app.config.county_name))


@bp.get("/bodies")
def bodies() -> Any:
    """Every registered body with its standing for ``year`` (default: the year due now)."""
    app = state().app
    year = year_arg(due_year(app))
    assert year is not None
    return jsonify({"year": year, "bodies": [body_json(r) for r in overview(app, year)]})


@bp.get("/bodies/<body_id>")
def body(body_id: str) -> Any:
    """One body with its documents and their versions."""
    app = state().app
    with app.store.db.transaction() as session:
        found = get_body(session, body_id)
        if found is None:
            abort(404, "没有这个单位")
        documents = body_documents(session, body_id)
    history = [
        {
            **{k: v for k, v in asdict(d).items() if k != "versions"},
            "published_on": _iso(d.published_on),
            "first_seen": _iso(d.first_seen),
            "last_seen": _iso(d.last_seen),
            "versions": [{**asdict(v), "fetched_at": _iso(v.fetched_at)} for v in d.versions],
        }
        for d in documents
    ]
    return jsonify({**asdict(found), "documents": history})


@bp.get("/reports")
def report_list() -> Any:
    """Checked reports, newest first; filter by ``body`` and ``year``."""
    app = state().app
    year = year_arg(None)
    limit = int_arg("limit", 500, low=1, high=5000) or 500
    with app.store.db.transaction() as session:
        found = reports(session, body_id=request.args.get("body") or None, year=year, limit=limit)
    return jsonify({"reports": [report_json(r) for r in found]})


@bp.get("/reports/<id:report_id>")
def report(report_id: int) -> Any:
    """One checked report."""
    with state().app.store.db.transaction() as session:
        found = get_report(session, report_id)
    if found is None:
        abort(404, "没有这份报告")
    return jsonify(report_json(found))


@bp.get("/findings")
def findings() -> Any:
    """Findings; filter by ``state`` (repeatable), ``severity``, ``year``, ``body``; page with ``limit``/``offset``."""
    states = request.args.getlist("state")
    if any(s not in STATE_ZH for s in states):
        abort(400, f"state 必须是 {', '.join(STATE_ZH)} 之一")
    severity = request.args.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        abort(400, f"severity 必须是 {', '.join(SEVERITIES)} 之一")
    year = year_arg(None)
    limit = int_arg("limit", 500, low=1, high=5000) or 500
    offset = int_arg("offset", 0) or 0
    with state().app.store.db.transaction() as session:
        found = find_findings(
            session,
            body_id=request.args.get("body") or None,
            year=year,
            states=states,
            severity=severity,
            limit=limit,
            offset=offset,
        )
    return jsonify({"findings": [finding_json(f) for f in found], "limit": limit, "offset": offset})


@bp.get("/findings/<id:finding_id>")
def finding(finding_id: int) -> Any:
    """One finding with its evidence, the report it was found in, its rule and its events."""
    shared = state()
    with shared.app.store.db.transaction() as session:
        detail = finding_detail(session, finding_id)
    if detail is None:
        abort(404, "没有这个问题")
    rule = rule_info(detail.finding.rule)
    report_row = detail.report
    drawn = evidence_for(
        shared.cache,
        report_row.sha256 if report_row else None,
        report_row.content_type if report_row else None,
        detail.finding.locator,
        detail.evidence,
    )
    highlighted = []
    if drawn.table is not None:
        for row in drawn.table.rows:
            for index, cell in enumerate(row.cells):
                if cell.highlight:
                    header = drawn.table.header[index].text if index < len(drawn.table.header) else ""
                    highlighted.append({"row": row.label, "column": header, "text": cell.text})
    return jsonify(
        {
            **finding_json(detail.finding),
            "rule_basis": rule.basis,
            "body_name": detail.body_name,
            "evidence": detail.evidence,
            "report": report_json(report_row) if report_row else None,
            "highlighted_cells": highlighted,
            "events": [{**asdict(e), "at": _iso(e.at)} for e in detail.events],
        }
    )
