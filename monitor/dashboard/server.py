"""The dashboard's web server: waitress (pure-Python, production-grade WSGI) in a background thread, so that
the service's main thread keeps running the scheduler. ``stop()`` lets running requests finish, then closes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from waitress.server import create_server
from waitress.trigger import trigger

from monitor.app import App
from monitor.dashboard.counties import create_deployment_app
from monitor.dashboard.web import create_app
from monitor.deployment import Deployment

log = logging.getLogger("nianbao.dashboard")


@dataclass
class ServerHandle:
    """A running dashboard server: where it listens, and how to stop it."""

    host: str
    port: int
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """The base URL (for logs and tests)."""
        return f"http://{self.host}:{self.port}/"

    def stop(self, timeout: float = 10.0) -> None:
        """Finish running requests (up to ``timeout`` seconds), close every socket, wait for the thread."""
        server = self._server
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
        channels = server._map if hasattr(server, "_map") else server.map
        wake = next((c for c in list(channels.values()) if isinstance(c, trigger)), None)

        def close_all() -> None:  # runs in the server's own loop thread: no race with its select()
            for channel in list(channels.values()):
                channel.close()

        if wake is not None:
            with contextlib.suppress(OSError):  # already closed: the loop has ended
                wake.pull_trigger(close_all)  # type: ignore[arg-type]  # the stub wants an argument; waitress calls thunk()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("网页界面服务线程未能在 %.0f 秒内停止", timeout)


def _port(server: Any) -> int:
    if hasattr(server, "effective_port"):
        return int(server.effective_port)
    return int(server.effective_listen[0][1])


def start_server(target: Deployment | App, host: str, port: int, *, threads: int = 4) -> ServerHandle:
    """Serve the dashboard of ``target`` on ``host:port`` (port 0: any free port) in a daemon thread: a single
    county's (a deployment of one county, or its App), or a deployment's of several counties (each county's at
    ``/c/<id>/``, see :mod:`monitor.dashboard.counties`)."""
    if isinstance(target, Deployment) and target.several:
        application: Flask = create_deployment_app(target)
        settings = target.dashboard
    else:
        app = next(iter(target.apps.values())) if isinstance(target, Deployment) else target
        application = create_app(app)
        settings = app.config.dashboard
    server = create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="nianbao",
        # Forwarded headers are honoured only behind a configured reverse proxy (then ProxyFix reads them).
        clear_untrusted_proxy_headers=not settings.behind_proxy,
        channel_timeout=60,
    )
    actual = _port(server)
    thread = threading.Thread(target=server.run, name="nianbao-dashboard", daemon=True)
    thread.start()
    log.info("网页界面：http://%s:%d/", host, actual)
    return ServerHandle(host, actual, server, thread)
