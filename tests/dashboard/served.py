"""Serve a dashboard made by the test itself (its own secret, throttle or configuration) with waitress on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from waitress.server import create_server

from monitor.dashboard import ServerHandle
from monitor.dashboard.server import _port
from tests.dashboard.conftest import Client


@contextmanager
def serving(web: Flask, *, threads: int = 4) -> Iterator[ServerHandle]:
    """``web`` served on a free port of 127.0.0.1 for the ``with`` block."""
    server = create_server(web, host="127.0.0.1", port=0, threads=threads, ident="nianbao-test", channel_timeout=60)
    thread = threading.Thread(target=server.run, name="nianbao-test-dashboard", daemon=True)
    thread.start()
    handle = ServerHandle("127.0.0.1", _port(server), server, thread)
    try:
        yield handle
    finally:
        handle.stop()


def cookie_value(client: Client) -> str:
    """The value of the client's session cookie."""
    values = [c.value for c in client.jar if c.name == "nianbao_session" and c.value]
    assert len(values) == 1, values
    return values[0]


def copy_cookies(source: Client, target: Client) -> None:
    """Give ``target`` the cookies of ``source`` (a stolen or copied cookie)."""
    for cookie in source.jar:
        target.jar.set_cookie(cookie)


def cookie_contents(web: Flask, value: str) -> dict[str, object]:
    """What a session cookie signed by ``web`` holds."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(web)
    assert serializer is not None
    contents: dict[str, object] = serializer.loads(value)
    return contents
