"""The JSON API and the queries behind it: shapes, filters, errors, the OpenAPI document matching the routes,
and the same answers on PostgreSQL as on SQLite."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from monitor.dashboard import ServerHandle, create_app
from monitor.dashboard.status import overview
from monitor.store.dashboard_queries import body_documents, find_findings, finding_counts, finding_detail, known_years, reports
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import PASSWORD, Demo, build_demo, finding_id
from tests.monitor.postgres import reset_database


@pytest.fixture
def api(server: ServerHandle) -> Client:
    client = Client(server.url)
    assert client.login("zhangsan", PASSWORD).status == 302
    return client


def _json(client: Client, path: str, status: int = 200) -> Any:
    reply = client.get(path)
    assert reply.status == status, (path, reply.status, reply.text[:200])
    assert reply.headers["Content-Type"].startswith("application/json")
    return json.loads(reply.text)


def test_bodies_with_their_standing(api: Client) -> None:
    data = _json(api, "/api/bodies")
    assert data["year"] == 2025
    by_id = {b["id"]: b for b in data["bodies"]}
    assert by_id["jiaohu"]["status"] == "late" and by_id["jiaohu"]["published_on"] == "2026-02-05"
    assert by_id["shenji"]["status"] == "missing" and by_id["shenji"]["findings"]["errors"] == 1  # D601
    assert by_id["xianfu"]["status"] == "pending" and by_id["xianfu"]["days_left"] == 39
    assert _json(api, "/api/bodies?year=2024")["bodies"][0]["status"] == "missing"
    assert _json(api, "/api/bodies?year=abc", 400)["message"].startswith("参数 year")


def test_a_body_with_its_documents_and_versions(api: Client) -> None:
    data = _json(api, "/api/bodies/ciying")
    assert data["name"] == "次营镇人民政府"
    [document] = data["documents"]
    assert [v["current"] for v in document["versions"]] == [True, False]
    assert _json(api, "/api/bodies/nobody", 404)["message"] == "没有这个单位"


def test_reports_and_findings(api: Client, demo: Demo) -> None:
    checked = _json(api, "/api/reports?body=ciying")["reports"]
    assert len(checked) == 2 and {r["year"] for r in checked} == {2025}
    assert _json(api, f"/api/reports/{checked[0]['id']}")["sha256"] == checked[0]["sha256"]
    resolved = _json(api, "/api/findings?state=resolved")["findings"]
    assert [(f["body_id"], f["rule"]) for f in resolved] == [("ciying", "S106")]
    errors = _json(api, "/api/findings?severity=error&body=jiaohu")["findings"]
    assert [f["rule"] for f in errors] == ["S106"]
    page = _json(api, "/api/findings?limit=2&offset=1")
    assert len(page["findings"]) == 2 and page["offset"] == 1
    assert _json(api, "/api/findings?state=gone", 400)["error"] == "Bad Request"
    detail = _json(api, f"/api/findings/{finding_id(demo.app, 'ciying', 'A201')}")
    assert detail["rule_title"] and "国办公开办函" in detail["rule_basis"]
    assert next((c["row"], c["column"], c["text"]) for c in detail["highlighted_cells"]) == (
        "一、本年新收政府信息公开申请数量",
        "自然人",
        "3",
    )
    assert detail["events"][0]["kind"] == "finding.opened"
    assert _json(api, "/api/findings/999999", 404)["message"] == "没有这个问题"


def test_the_openapi_document_describes_every_api_route(api: Client, demo: Demo) -> None:
    document = _json(api, "/api/openapi.json")
    assert document["openapi"].startswith("3.")
    web = create_app(demo.app, secret="x" * 32)
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in web.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert set(document["paths"]) == routes
    for path, item in document["paths"].items():
        assert "401" in item["get"]["responses"], path
        for parameter in item["get"]["parameters"]:
            if parameter["in"] == "path":
                assert "{" + parameter["name"] + "}" in path
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', json.dumps(document)))
    assert refs <= set(document["components"]["schemas"])


def test_pages_answer_in_chinese(api: Client) -> None:
    missing = api.get("/findings/999999")
    assert missing.status == 404 and "没有这个问题" in missing.text and 'lang="zh-CN"' in missing.text
    assert api.get("/nothing-here").status == 404
    listing = api.get("/findings?state=all&severity=warning")
    assert listing.status == 200 and "S109" in listing.text and "D602" in listing.text
    assert api.get("/findings?severity=fatal").status == 400
    earlier = api.get("/?year=2024")
    assert earlier.status == 200 and "2024年度报告总览" in earlier.text
    assert api.get("/digests/..%2Fnianbao.yaml").status == 404
    headers = api.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"


def _answers(demo: Demo) -> dict[str, Any]:
    app = demo.app
    ids: dict[str, Any] = {}
    with app.store.db.transaction() as session:
        findings = find_findings(session)
        a201 = next(f for f in findings if f.rule == "A201")
        detail = finding_detail(session, a201.id)
        assert detail is not None and detail.report is not None
        ids = {
            "findings": [(f.body_id, f.rule, f.state) for f in findings],
            "counts": finding_counts(session, 2025),
            "years": known_years(session),
            "documents": [(d.url, [v.state for v in d.versions]) for d in body_documents(session, "ciying")],
            "reports": len(reports(session, year=2025)),
            "detail": (detail.report.year, [e.kind for e in detail.events], detail.body_name),
        }
    ids["overview"] = [(r.standing.body_id, r.standing.status, r.standing.published_on, r.muted) for r in overview(app, 2025)]
    return ids


def test_the_same_answers_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
    on_sqlite = build_demo(tmp_path / "sqlite")  # a fresh county: the session's demo is changed by other tests
    expected = _answers(on_sqlite)
    on_sqlite.app.close()
    reset_database(postgres_url)  # the session's server, a clean database for this test
    monkeypatch.setenv("NIANBAO_DATABASE_URL", postgres_url)
    on_postgres = build_demo(tmp_path / "postgresql")
    try:
        assert on_postgres.app.store.db.engine.dialect.name == "postgresql"
        assert _answers(on_postgres) == expected
    finally:
        on_postgres.app.close()
