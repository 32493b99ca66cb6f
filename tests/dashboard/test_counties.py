"""The dashboard of a deployment of several counties, on PostgreSQL (each county in a schema of its own).

Two counties, 安县 (anxian) and 博县 (boxian), each with a town that published a report with a finding and a town
that published nothing (逾期未公开). A user of anxian sees anxian only: every page, API call and finding action of
boxian answers 403 and changes nothing. The supervising office sees both, the county-by-county overview
(各县概况), /api/counties and the digest (汇总). One login at the root works in every county's dashboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from monitor.clock import FixedClock
from monitor.dashboard import create_deployment_app, start_server
from monitor.dashboard.auth import Throttle
from monitor.dashboard.passwords import hash_password
from monitor.dashboard.web import county_app
from monitor.deployment import Deployment
from monitor.store import FetchedDocument
from monitor.store.findings import list_findings
from tests.conftest import seed_text
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import PASSWORD, Demo
from tests.dashboard.test_auth import PUBLIC, routes_of
from tests.monitor.postgres import postgres_server

SECRET = "a test secret of the counties tests"
NOW = datetime(2026, 2, 20, 2, 0, tzinfo=UTC)  # the towns' deadline (01-31) has passed

#: Per county: its name, the town that published seed 000 (a finding), the town that published nothing.
COUNTIES = {
    "anxian": ("安县", ("anzhen", "安镇人民政府"), ("anping", "安平镇人民政府")),
    "boxian": ("博县", ("bozhen", "博镇人民政府"), ("boping", "博平镇人民政府")),
}
USERS = {"an": "anxian", "bo": "boxian", "sheng": None}
ROOT_PUBLIC = {"auth.login", "auth.login_post", "static", "health"}


@dataclass
class Built:
    """The deployment of two counties on PostgreSQL, opened."""

    file: Path
    deployment: Deployment
    clock: FixedClock


def _write(folder: Path, database: str) -> Path:
    counties = []
    for county, (name, published, silent) in COUNTIES.items():
        data = {
            "county": {"name": name},
            "deadlines": {"town": "01-31"},
            "storage": {"blobs": f"var/{county}/blobs", "digests": f"var/{county}/digests"},
            "bodies": [
                {"id": published[0], "name": published[1], "type": "town"},
                {"id": silent[0], "name": silent[1], "type": "town"},
            ],
        }
        if county == "anxian":  # a portal, crawled once (its last crawl is shown); boxian was never crawled
            data["portals"] = [
                {"id": "an", "name": "安县政府网", "start_urls": ["http://127.0.0.1:9/an/"], "contact": "test@example.org"}
            ]
        (folder / f"{county}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        counties.append({"id": county, "config": f"{county}.yaml"})
    users = [
        {"name": user, "password_hash": hash_password(PASSWORD), **({"county": county} if county else {})}
        for user, county in USERS.items()
    ]
    deployment = {
        "deployment": {"name": "演示市政务公开办"},
        "storage": {"database": database},
        "counties": counties,
        "dashboard": {"host": "127.0.0.1", "port": 0, "users": users},
    }
    path = folder / "nianbao.yaml"
    path.write_text(yaml.safe_dump(deployment, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _seed(deployment: Deployment, clock: FixedClock) -> None:
    for county, (_name, (body, body_name), _silent) in COUNTIES.items():
        app = deployment.app(county)
        app.store.crawl.record(
            FetchedDocument(
                url=f"http://127.0.0.1/{county}/zfxxgknb/{body}/2025.html",
                data=seed_text("000").encode("utf-8"),
                fetched_at=clock.now(),
                body_id=body,
                title=f"{body_name}2025年政府信息公开工作年度报告",
                year=2025,
                published_on=date(2026, 1, 10),
                published_from="PubDate",
                content_type="text/plain; charset=utf-8",
            )
        )
        app.process()
        app.sweep()
        if county == "anxian":
            app.store.crawl.start_run("an", clock.now())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("deployment")
    with postgres_server() as url:
        clock = FixedClock(NOW - timedelta(days=1))
        file = _write(folder, url)
        deployment = Deployment.load(str(file), clock=clock)
        try:
            assert deployment.several and list(deployment.apps) == list(COUNTIES)
            _seed(deployment, clock)
            clock.at = NOW
            yield Built(file, deployment, clock)
        finally:
            deployment.close()


@pytest.fixture(scope="module")
def web(built: Built) -> Flask:
    return create_deployment_app(built.deployment, secret=SECRET)


def _finding(built: Built, county: str) -> tuple[int, str]:
    """(id, state) of the finding of ``county``'s town that published."""
    body = COUNTIES[county][1][0]
    with built.deployment.app(county).store.db.transaction() as session:
        found = [f for f in list_findings(session, body_id=body) if f.severity == "error"]
    assert found, f"no finding in {county}"
    first = min(found, key=lambda f: int(f.id))
    return int(first.id), first.state


def _state(built: Built, county: str, finding_id: int) -> str:
    with built.deployment.app(county).store.db.transaction() as session:
        return next(f.state for f in list_findings(session) if int(f.id) == finding_id)


def _csrf(client: FlaskClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _login(web: Flask, name: str) -> FlaskClient:
    client = web.test_client()
    reply = client.post("/login", data={"csrf_token": _csrf(client), "name": name, "password": PASSWORD, "next": ""})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return client


def _json(reply: TestResponse) -> Any:
    return json.loads(reply.get_data(as_text=True))


def _county_routes(built: Built) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every route of a county's dashboard (the same in every county)."""
    app = built.deployment.app("boxian")
    return routes_of(
        county_app(app, built.deployment.dashboard, secret=SECRET, throttle=Throttle(), sessions=built.deployment.database)
    )


def test_a_county_user_works_in_their_county(web: Flask, built: Built) -> None:
    client = _login(web, "an")
    root = client.get("/")
    assert root.status_code == 302 and urlsplit(root.headers["Location"]).path == "/c/anxian/"
    overview = client.get("/c/anxian/")
    assert overview.status_code == 200
    page = overview.get_data(as_text=True)
    assert "安县" in page and "安镇人民政府" in page and "博县" not in page
    assert "各县概况" not in page  # no supervisor's link for a county's user
    assert 'href="/c/anxian/findings"' in page  # the county's links carry its mount point
    assert client.get("/c/anxian/findings").status_code == 200
    finding_id, _state_now = _finding(built, "anxian")
    detail = client.get(f"/c/anxian/findings/{finding_id}")
    assert detail.status_code == 200 and "安县" in detail.get_data(as_text=True)
    bodies = _json(client.get("/c/anxian/api/bodies"))
    assert {b["id"] for b in bodies["bodies"]} == {"anzhen", "anping"}
    findings = _json(client.get("/c/anxian/api/findings"))
    assert findings["findings"] and {f["body_id"] for f in findings["findings"]} == {"anzhen", "anping"}  # D601 too
    assert _json(client.get(f"/c/anxian/api/findings/{finding_id}"))["id"] == finding_id
    counties = _json(client.get("/api/counties"))
    assert [c["id"] for c in counties["counties"]] == ["anxian"]
    digest = client.get("/digest")
    assert digest.status_code == 200
    text = digest.get_data(as_text=True)
    assert "安平镇人民政府" in text and "博县" not in text and "博平镇人民政府" not in text


def test_a_county_user_is_refused_everything_of_another_county(web: Flask, built: Built) -> None:
    client = _login(web, "an")
    token = _csrf(client, "/c/anxian/")
    checked = 0
    for method, path, endpoint in _county_routes(built):
        if endpoint in PUBLIC:
            continue
        reply = client.open("/c/boxian" + path, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert reply.status_code == 403, (method, path, reply.status_code)
        if path.startswith("/api/"):
            assert _json(reply)["error"] == "Forbidden"
        else:
            assert "拒绝访问" in reply.get_data(as_text=True)
        checked += 1
    assert checked >= 15
    finding_id, before = _finding(built, "boxian")
    assert before == "open"
    for action in ("acknowledge", "mute", "unmute"):
        data = {"csrf_token": token, "reason": "不是本县的", "until": "2026-12-31"}
        reply = client.post(f"/c/boxian/findings/{finding_id}/{action}", data=data)
        assert reply.status_code == 403, action
    assert client.get(f"/c/boxian/api/findings/{finding_id}").status_code == 403
    assert _state(built, "boxian", finding_id) == "open"  # nothing changed
    assert client.get("/c/boxian/").status_code == 403
    # and the session still works in the user's own county
    assert client.get("/c/anxian/api/bodies").status_code == 200


def test_the_supervisor_sees_every_county(web: Flask, built: Built) -> None:
    client = _login(web, "sheng")
    root = client.get("/")
    assert root.status_code == 200
    page = root.get_data(as_text=True)
    assert "各县概况" in page and "安县" in page and "博县" in page
    assert 'href="/c/anxian/"' in page and 'href="/c/boxian/"' in page
    counties = _json(client.get("/api/counties"))
    assert counties["year"] == 2025
    assert [(c["id"], c["name"]) for c in counties["counties"]] == [("anxian", "安县"), ("boxian", "博县")]
    for county in counties["counties"]:
        assert county["bodies"] == 2 and county["url"] == f"/c/{county['id']}/"
        assert county["statuses"]["on_time"] == 1 and county["statuses"]["missing"] == 1
        assert county["findings"]["errors"] >= 1
        assert [b["id"] for b in county["overdue"]] == [COUNTIES[county["id"]][2][0]]
    crawled = {c["id"]: c["last_crawl"] for c in counties["counties"]}
    assert crawled["boxian"] is None
    assert crawled["anxian"]["portal_id"] == "an" and crawled["anxian"]["status_zh"] == "进行中"
    assert "进行中" in page and "还没有抓取" in page
    digest = client.get("/digest").get_data(as_text=True)
    assert "安平镇人民政府" in digest and "博平镇人民政府" in digest and "逾期未公开" in digest
    for county in COUNTIES:
        overview = client.get(f"/c/{county}/")
        assert overview.status_code == 200
        text = overview.get_data(as_text=True)
        assert COUNTIES[county][0] in text and 'href="/">各县概况</a>' in text
        assert client.get(f"/c/{county}/findings").status_code == 200
        assert client.get(f"/c/{county}/api/bodies").status_code == 200
    # The supervisor acts on a county's finding (anxian's: the refusal test watches boxian's).
    finding_id, _before = _finding(built, "anxian")
    token = _csrf(client, f"/c/anxian/findings/{finding_id}")
    acted = client.post(f"/c/anxian/findings/{finding_id}/acknowledge", data={"csrf_token": token, "reason": "督办"})
    assert acted.status_code == 302 and urlsplit(acted.headers["Location"]).path == f"/c/anxian/findings/{finding_id}"
    assert _state(built, "anxian", finding_id) == "acknowledged"
    assert _json(client.get(f"/c/anxian/api/findings/{finding_id}"))["state_by"] == "sheng"


def test_without_a_session_every_county_sends_to_the_one_login(web: Flask) -> None:
    client = web.test_client()
    first = client.get("/c/anxian/findings?state=all")
    assert first.status_code == 302
    location = urlsplit(first.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == ["/c/anxian/findings?state=all"]
    assert client.get("/c/anxian/api/bodies").status_code == 401
    assert urlsplit(client.get("/c/boxian/login").headers["Location"]).path == "/login"
    assert urlsplit(client.get("/").headers["Location"]).path == "/login"
    reply = client.post(
        "/login",
        data={"csrf_token": _csrf(client), "name": "bo", "password": PASSWORD, "next": "/c/boxian/findings?state=all"},
    )
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/c/boxian/findings?state=all")
    assert client.get("/c/boxian/findings?state=all").status_code == 200
    # Logging out in a county's dashboard ends the session everywhere.
    token = _csrf(client, "/c/boxian/")
    out = client.post("/c/boxian/logout", data={"csrf_token": token})
    assert out.status_code == 302 and urlsplit(out.headers["Location"]).path == "/login"
    assert client.get("/api/counties").status_code == 401
    assert client.get("/c/boxian/api/bodies").status_code == 401


def test_every_route_of_the_root_needs_a_session(web: Flask) -> None:
    client = web.test_client()
    checked = 0
    for rule in web.url_map.iter_rules():
        if rule.endpoint in ROOT_PUBLIC:
            continue
        assert not rule.arguments, rule.rule  # a root route with parameters needs sample values here
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            reply = client.open(rule.rule, method=method, data={} if method == "POST" else None)
            if rule.rule.startswith("/api/"):
                assert reply.status_code == 401, (method, rule.rule)
                assert _json(reply)["error"] == "unauthorized"
            else:
                assert reply.status_code == 302, (method, rule.rule, reply.status_code)
                assert urlsplit(reply.headers["Location"]).path == "/login"
            checked += 1
    assert checked >= 4  # /, /digest, /api/counties, /logout
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/c/anxian/static/style.css").status_code == 200


def test_served_by_waitress(built: Built) -> None:
    handle = start_server(built.deployment, "127.0.0.1", 0)
    try:
        assert Client(handle.url).get("/healthz").status == 200
        county = Client(handle.url)
        assert county.login("an", PASSWORD).status == 302
        assert urlsplit(county.get("/").headers["Location"]).path == "/c/anxian/"
        assert "安县" in county.get("/c/anxian/").text
        assert county.get("/c/boxian/").status == 403
        refused = county.get("/c/boxian/api/bodies")
        assert refused.status == 403 and json.loads(refused.text)["error"] == "Forbidden"
        finding_id, _before = _finding(built, "boxian")
        token = county.csrf("/c/anxian/")
        assert county.post(f"/c/boxian/findings/{finding_id}/acknowledge", {"csrf_token": token}).status == 403
        assert _state(built, "boxian", finding_id) == "open"
        assert [c["id"] for c in json.loads(county.get("/api/counties").text)["counties"]] == ["anxian"]
        supervisor = Client(handle.url)
        assert supervisor.login("sheng", PASSWORD).status == 302
        listed = json.loads(supervisor.get("/api/counties").text)["counties"]
        assert [c["id"] for c in listed] == ["anxian", "boxian"]
        assert "博县" in supervisor.get("/c/boxian/").text
    finally:
        handle.stop()


def test_a_single_county_deployment_is_served_as_before(demo: Demo) -> None:
    deployment = Deployment.load(str(demo.config_file), clock=demo.clock, upgrade=False)
    assert not deployment.several
    handle = start_server(deployment, "127.0.0.1", 0)
    try:
        client = Client(handle.url)
        assert urlsplit(client.get("/").headers["Location"]).path == "/login"
        assert client.login("zhangsan", PASSWORD).status == 302
        overview = client.get("/")
        assert overview.status == 200 and "某县" in overview.text and "各县概况" not in overview.text
        assert json.loads(client.get("/api/bodies").text)["year"] == 2025
        assert client.get("/api/counties").status == 404
    finally:
        handle.stop()
        deployment.close()
