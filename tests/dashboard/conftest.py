"""Fixtures of the dashboard tests: the demo county on SQLite, the dashboard served on 127.0.0.1, a client."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monitor.dashboard import ServerHandle, start_server
from tests.dashboard.demo_data import Demo, build_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    built = build_demo(tmp_path_factory.mktemp("county"))
    yield built
    built.app.close()


@pytest.fixture(scope="session")
def server(demo: Demo) -> Iterator[ServerHandle]:
    handle = start_server(demo.app, "127.0.0.1", 0)
    yield handle
    handle.stop()


#: The time zone of the far county: 02:00 UTC is 21:00 of the day before there, so a time shown in UTC or in an
#: assumed Asia/Shanghai (10:00) cannot pass for it.
FAR_ZONE = "America/New_York"


@pytest.fixture(scope="session")
def far_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo county configured in America/New_York, whose county government published a PDF."""
    built = build_demo(tmp_path_factory.mktemp("far-county"), timezone=FAR_ZONE, pdf=True)
    yield built
    built.app.close()


@pytest.fixture(scope="session")
def far_server(far_demo: Demo) -> Iterator[ServerHandle]:
    """The far county's dashboard on 127.0.0.1."""
    handle = start_server(far_demo.app, "127.0.0.1", 0)
    yield handle
    handle.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Reply:
    """An HTTP answer: status, headers, body text."""

    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Client:
    """A plain HTTP client with its own cookies that does not follow redirects."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        """Send a request; a form is sent url-encoded."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base.rstrip("/") + path, data=data, method=method)
        try:
            with opener.open(request, timeout=30) as response:
                return Reply(response.status, dict(response.headers), response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read().decode("utf-8"))

    def get(self, path: str) -> Reply:
        """GET ``path``."""
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        """POST a form to ``path``."""
        return self.request("POST", path, form)

    def csrf(self, path: str = "/login") -> str:
        """The CSRF token of the form on ``path``."""
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, name: str, password: str) -> Reply:
        """Log in through the form."""
        return self.post("/login", {"csrf_token": self.csrf(), "name": name, "password": password, "next": ""})


@pytest.fixture
def client(server: ServerHandle) -> Client:
    return Client(server.url)
