"""Numbers in paths and query strings are read strictly: ASCII digits within bounds, else 404 (path) or 400
(query string), never a 500. Python's ``isdigit``/``int`` and Werkzeug's ``\\d+`` accept Unicode digits, and a
huge number overflows the database. Every route of the url map is tried, logged in, against the served dashboard."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from werkzeug.routing import Rule

from monitor.dashboard import ServerHandle, create_app
from monitor.dashboard.params import MAX_ID, parse_int
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import PASSWORD, Demo

BAD_NUMBERS = [
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "²",  # superscript two: isdigit() but not int()
    "߁",  # N'Ko digit one
    "1" * 30,
    str(MAX_ID + 1),
    "9" * 20,
    "-1",
    "0x1",
    " 1",
    "1 ",
    "+1",
    "1.0",
    "1e3",
    "1_0",
]
#: Ids start at 1 and have no leading zeros.
BAD_IDS = [*BAD_NUMBERS, "0", "007"]
SAMPLES = {"body_id": "ciying", "name": "2026-W08.html", "filename": "style.css"}
_NUMERIC_ARGUMENT = re.compile(r"<(?:id|int|float)(?:\([^)]*\))?:(\w+)>")
_ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")
#: The numbers the pages and the API read from the query string (all answer 400 to a bad one).
QUERY_NUMBERS = {
    "views.overview": ("year",),
    "views.findings": ("year",),
    "api.bodies": ("year",),
    "api.report_list": ("year", "limit"),
    "api.findings": ("year", "limit", "offset"),
}
#: Names tried on every other GET route too: ignored, or refused, but never a 500.
OTHER_NAMES = ("year", "limit", "offset", "page", "id")


def _rules(demo: Demo) -> list[Rule]:
    return list(create_app(demo.app, secret="x" * 32).url_map.iter_rules())


def _fill(rule: Rule, numeric: str | None) -> str:
    """The rule's path with ``numeric`` (URL-quoted) for every numeric argument and samples for the others."""
    path = _NUMERIC_ARGUMENT.sub(lambda _m: quote(numeric or "1", safe=""), rule.rule)
    return _ARGUMENT.sub(lambda m: SAMPLES[m.group(1)], path)


@pytest.fixture(scope="module")
def logged_in(server: ServerHandle) -> Client:
    client = Client(server.url)
    assert client.login("zhangsan", PASSWORD).status == 302
    return client


def test_numbers_in_paths(demo: Demo, logged_in: Client) -> None:
    token = logged_in.csrf("/")
    tried = set()
    for rule in _rules(demo):
        if not _NUMERIC_ARGUMENT.search(rule.rule):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for bad in BAD_IDS:
                path = _fill(rule, bad)
                form = {"csrf_token": token, "reason": "x", "until": "2099-01-01"} if method == "POST" else None
                reply = logged_in.request(method, path, form)
                assert reply.status in (400, 404), (method, rule.rule, bad, reply.status)
            tried.add(rule.endpoint)
    assert {"views.finding", "views.mute_finding", "views.crawl_log", "api.report", "api.finding"} <= tried


def test_numbers_in_query_strings(demo: Demo, logged_in: Client) -> None:
    for endpoint, names in QUERY_NUMBERS.items():
        rule = next(r for r in _rules(demo) if r.endpoint == endpoint)
        assert logged_in.get(rule.rule).status == 200, endpoint
        for name in names:
            for bad in BAD_NUMBERS:
                reply = logged_in.get(f"{rule.rule}?{name}={quote(bad, safe='')}")
                assert reply.status == 400, (endpoint, name, bad, reply.status)
                assert "必须是" in reply.text or "请求有误" in reply.text


def test_no_get_route_fails_on_a_bad_number_in_its_query_string(demo: Demo, logged_in: Client) -> None:
    for rule in _rules(demo):
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        path = _fill(rule, None)
        for name in OTHER_NAMES:
            for bad in ("١٢", "1" * 30, "-1", "²"):
                reply = logged_in.get(f"{path}?{name}={quote(bad, safe='')}")
                assert reply.status < 500, (rule.rule, name, bad, reply.status)


def test_good_numbers_still_work(logged_in: Client) -> None:
    assert logged_in.get("/?year=2024").status == 200
    assert logged_in.get("/findings?year=2025&state=all").status == 200
    assert logged_in.get("/api/findings?year=2025&limit=5000&offset=1000000").status == 200
    assert logged_in.get("/api/reports?limit=1").status == 200
    assert logged_in.get("/api/findings?year=2201").status == 400
    assert logged_in.get("/api/findings?offset=1000001").status == 400
    assert logged_in.get(f"/api/findings/{MAX_ID}").status == 404
    assert logged_in.get("/api/findings/01").status == 404


def test_parse_int() -> None:
    assert parse_int("2025", 1990, 2200) == 2025
    assert parse_int(str(MAX_ID), 1, MAX_ID) == MAX_ID
    for bad in [*BAD_IDS, "", "1989", "2201"]:
        assert parse_int(bad, 1990, 2200) is None, bad
