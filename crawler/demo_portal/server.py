"""The demo portal's web server: a threaded HTTP/1.1 server on 127.0.0.1 serving a site's files and answers.

It answers like a portal's web server: ETag (a hash of the bytes) and Last-Modified (the file's time) on every
file, 304 Not Modified to a matching If-None-Match or a not-older If-Modified-Since, robots.txt, 404 pages. What no
file serves (a Hanweb data proxy's POST, a gkmlpt JSON API) the site computes (:meth:`StaticSite.answer`), with
validators when the answer says when it last changed. Test hooks make a route misbehave (:data:`MODES`) and every
request is logged, a POST with its form, for the tests to inspect.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl

from crawler.demo_portal import pages
from crawler.demo_portal.site import Answer, Form, Resource

#: What a misbehaving route does: "error" 500, "gone" 404, "moved" 301 to the home page, "slow" waits before
#: answering, "redirect-loop" redirects back and forth, "huge" announces 2 GB and streams zeros lazily, "endless"
#: streams zeros with no length announced.
MODES = ("error", "gone", "moved", "slow", "redirect-loop", "huge", "endless")
HUGE = 2 * 1024**3
_CHUNK = 64 * 1024
_STREAM_CAP = 64 * 1024**2  # never write more than this, whatever the client does
_MAX_FORM = 64 * 1024  # a larger POST body is refused (413)


class ServedSite(Protocol):
    """What the server serves: files by route, and answers computed by the site."""

    def resource(self, route: str) -> Resource | None:
        """The file served at ``route``."""

    def answer(self, method: str, path: str, query: str, form: Form, host: str) -> Answer | None:
        """The computed answer to a request no file serves."""


@dataclass(frozen=True)
class Logged:
    """One request the server answered."""

    method: str
    route: str
    host: str
    status: int
    size: int
    conditional: bool
    user_agent: str
    form: Form = ()  # a POST's form fields, in order


class _Handler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"
    form: Form = ()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read .log instead
        return

    def do_HEAD(self) -> None:
        self.form = ()
        self._answer(body=False)

    def do_GET(self) -> None:
        self.form = ()
        self._answer(body=True)

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_FORM:
            self.close_connection = True
            self._send(413, b"", "text/plain; charset=utf-8")
            return
        raw = self.rfile.read(length) if length else b""
        self.form = tuple(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        self._answer(body=True)

    def _record(self, status: int, size: int) -> None:
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        self.server.log.append(
            Logged(
                self.command,
                self.path,
                self.headers.get("Host", ""),
                status,
                size,
                conditional,
                self.headers.get("User-Agent", ""),
                self.form,
            )
        )

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None, body: bool = True
    ) -> None:
        # Recorded before the answer leaves: a client that got it may read the log at once (tests do).
        self._record(status, len(data) if body else 0)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and data:
            self.wfile.write(data)

    def _answer(self, *, body: bool) -> None:
        route = self.path
        path = route.partition("?")[0]
        mode, seconds = self.server.misbehaving.get(path, (None, 0.0))
        self.server.entered()
        try:
            location = self.server.redirects.get(path)
            if location is not None:
                self._send(302, b"", "text/html", {"Location": location})
                return
            if mode is not None and mode != "slow":
                self._misbehave(mode, route)
                return
            if mode == "slow":
                time.sleep(seconds)
            self._serve(route, body=body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: nothing to do
            self.close_connection = True
        finally:
            self.server.left()

    def _misbehave(self, mode: str, route: str) -> None:
        if mode == "error":
            self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        elif mode == "gone":
            self._send(404, pages.NOT_FOUND.encode(), "text/html; charset=utf-8")
        elif mode == "moved":
            self._send(301, b"", "text/html", {"Location": "/"})
        elif mode == "redirect-loop":
            target = route.partition("?")[0] + ("" if "loop=1" in route else "?loop=1")
            self._send(302, b"", "text/html", {"Location": target})
        elif mode in ("huge", "endless"):
            self._stream(announced=mode == "huge")

    def _stream(self, *, announced: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        if announced:
            self.send_header("Content-Length", str(HUGE))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        sent = 0
        chunk = b"\0" * _CHUNK
        try:
            while sent < _STREAM_CAP:  # lazily: one chunk at a time, as long as the client reads
                self.wfile.write(chunk)
                sent += len(chunk)
        finally:
            self._record(200, sent)

    def _serve(self, route: str, *, body: bool) -> None:
        path, _, query = route.partition("?")
        resource = None if self.command == "POST" else self.server.site.resource(route)
        if resource is not None:
            data = resource.path.read_bytes()
            self._validated(data, resource.content_type, resource.path.stat().st_mtime, resource.cache_control, body=body)
            return
        answer = self.server.site.answer(self.command, path, query, self.form, self.headers.get("Host", ""))
        if answer is None:
            if self.command == "POST" and self.server.site.resource(route) is not None:
                self._send(405, b"", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})
                return
            self._send(404, pages.NOT_FOUND.encode(), "text/html; charset=utf-8", body=body)
            return
        if answer.modified is None:
            self._send(200, answer.data, answer.content_type, {"Cache-Control": "no-cache"}, body=body)
            return
        self._validated(answer.data, answer.content_type, answer.modified, "no-cache", body=body)

    def _validated(self, data: bytes, content_type: str, modified: float, cache: str | None, *, body: bool) -> None:
        """Answer ``data`` with its ETag and Last-Modified, or 304 to a request that already has it."""
        mtime = int(modified)
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if cache:
            headers["Cache-Control"] = cache
        if self._not_modified(etag, mtime):
            self._record(304, 0)
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, data, content_type, headers, body=body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
            return any(tag.strip() in (etag, "*", "W/" + etag) for tag in match.split(","))
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return mtime <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False


class DemoServer(ThreadingHTTPServer):
    """The server of one demo site; ``misbehaving`` maps a path to (mode, seconds), ``redirects`` a path to the
    address it redirects to (302), ``log`` lists the requests."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_port = False  # a second demo must not share the port: it would answer half of the requests

    def __init__(self, site: ServedSite, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site
        self.misbehaving: dict[str, tuple[str, float]] = {}
        self.redirects: dict[str, str] = {}
        self.log: list[Logged] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests answered at the same time (politeness checks)
        self._count = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, name="nianbao-demo-portal", daemon=True)

    def entered(self) -> None:
        """A request is being answered."""
        with self._count:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def left(self) -> None:
        """A request has been answered."""
        with self._count:
            self.in_flight -= 1

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server_address[1])

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()


class Served:
    """A site served by a :class:`DemoServer` for the duration of a ``with`` block: its address, its request log,
    and the removal of its folder when the folder was a temporary one."""

    folder: Path
    server: DemoServer
    base_url: str
    _own_folder: bool

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server and remove a temporary folder."""
        self.server.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, route: str) -> str:
        """The full URL of a route."""
        return self.base_url + route

    @property
    def log(self) -> list[Logged]:
        """Every request answered so far (a POST with its form)."""
        return list(self.server.log)

    def clear_log(self) -> None:
        """Forget the requests answered so far."""
        self.server.log.clear()
