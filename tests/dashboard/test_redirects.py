"""After login the browser goes back to the page it asked for, and only ever to a page of the dashboard: every
known form of an open redirect (control characters a browser drops, backslashes, encoded slashes, schemes,
userinfo, IDN hosts, full-width slashes, whitespace prefixes) ends on a local path, by default the overview.
Against the served dashboard, both ways there: the login form's ``next`` and ``/login?next=`` when logged in."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

from monitor.dashboard import ServerHandle
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import PASSWORD

EVIL = "evil.example"

#: Targets that are another site, or can be made one by a browser or a decoding server: the overview instead.
BYPASSES = [
    f"//{EVIL}/",
    f"///{EVIL}/",
    f"////{EVIL}/",
    f"https://{EVIL}/",
    f"HTTPS://{EVIL}/",
    f"http:{EVIL}",
    f"http:/{EVIL}",
    f"http:///{EVIL}",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    f"/\t/{EVIL}/",
    f"/\n/{EVIL}/",
    f"/\r/{EVIL}/",
    f"/\r\n/{EVIL}/",
    f"\t//{EVIL}/",
    f"/\x00/{EVIL}/",
    f"/\x7f/{EVIL}/",
    f"/\x85/{EVIL}/",
    f"/\x9f/{EVIL}/",
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"\\/{EVIL}",
    f"/\\/{EVIL}",
    f"/%2f{EVIL}",
    f"/%2F{EVIL}",
    f"%2f%2f{EVIL}",
    f"/%5c{EVIL}",
    f"/%5C{EVIL}",
    f"/%252f{EVIL}",
    f"/%09/{EVIL}",
    f"/%0d%0a/{EVIL}",
    f"//user@{EVIL}/",
    f"//{EVIL}@127.0.0.1/",
    f"@{EVIL}",
    "//exämple.com/",
    "//xn--exmple-cua.com/",
    "//ｅｖｉｌ．ｅｘａｍｐｌｅ/",
    f"/／{EVIL}",
    f"／／{EVIL}",
    f"/＼{EVIL}",
    f"＼＼{EVIL}",
    f" //{EVIL}/",
    f"  /{EVIL}",
    f"\u00a0//{EVIL}/",
    f"\u3000//{EVIL}/",
    f"\u2028//{EVIL}/",
    f"\ufeff//{EVIL}/",
    f"{EVIL}",
    "http://127.0.0.1:1/",
]

#: Same-site paths: kept, percent-encoded where needed.
KEPT = {
    "/bodies/ciying?x=1": "/bodies/ciying?x=1",
    "/findings?state=all&severity=error": "/findings?state=all&severity=error",
    "/crawls#runs": "/crawls#runs",
    "/bodies/中文": "/bodies/%E4%B8%AD%E6%96%87",
    f"/@{EVIL}": f"/@{EVIL}",
}

_DROPPED_BY_BROWSERS = re.compile(r"[\t\n\r]")


def _browser_target(location: str, base: str) -> str:
    """The URL a browser goes to for ``location`` (the WHATWG parser's leniency: surrounding C0 controls and spaces
    are stripped, tab/CR/LF removed, a backslash read as a slash)."""
    cleaned = _DROPPED_BY_BROWSERS.sub("", location.strip("".join(map(chr, range(0x21))))).replace("\\", "/")
    return urljoin(base, cleaned)


def _assert_stays(location: str, server: ServerHandle) -> None:
    assert location.isascii() and location.isprintable(), location
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
    target = urlsplit(_browser_target(location, server.url))
    assert (target.scheme, target.netloc) == ("http", f"{server.host}:{server.port}"), location
    decoded = unquote(unquote(location))
    assert not decoded.startswith("//") and "\\" not in decoded, location


@pytest.fixture(scope="module")
def logged_in(server: ServerHandle) -> Client:
    client = Client(server.url)
    assert client.login("zhangsan", PASSWORD).status == 302
    return client


def _login_to(server: ServerHandle, target: str) -> str:
    client = Client(server.url)
    reply = client.post("/login", {"csrf_token": client.csrf(), "name": "zhangsan", "password": PASSWORD, "next": target})
    assert reply.status == 302, (target, reply.status)
    return reply.headers["Location"]


@pytest.mark.parametrize("target", BYPASSES, ids=[ascii(t) for t in BYPASSES])
def test_the_login_form_never_sends_to_another_site(server: ServerHandle, target: str) -> None:
    location = _login_to(server, target)
    _assert_stays(location, server)
    assert location == "/", (target, location)


@pytest.mark.parametrize("target", BYPASSES, ids=[ascii(t) for t in BYPASSES])
def test_login_page_of_a_logged_in_user_never_sends_to_another_site(server: ServerHandle, logged_in: Client, target: str) -> None:
    reply = logged_in.get("/login?next=" + quote(target, safe=""))
    assert reply.status == 302, (target, reply.status)
    _assert_stays(reply.headers["Location"], server)
    assert reply.headers["Location"] == "/", (target, reply.headers["Location"])


def test_same_site_paths_are_kept(server: ServerHandle, logged_in: Client) -> None:
    for target, expected in KEPT.items():
        assert _login_to(server, target) == expected, target
        assert logged_in.get("/login?next=" + quote(target, safe="")).headers["Location"] == expected, target


def test_a_next_with_line_breaks_plants_no_header(server: ServerHandle) -> None:
    client = Client(server.url)
    reply = client.post(
        "/login",
        {"csrf_token": client.csrf(), "name": "zhangsan", "password": PASSWORD, "next": "/crawls\r\nSet-Cookie: planted=1"},
    )
    assert reply.status == 302 and "planted" not in str(reply.headers.get("Set-Cookie"))
    assert reply.headers["Location"] == "/crawlsSet-Cookie:%20planted=1"
