"""The county office's web dashboard, served by ``nianbao serve``: the year's overview, bodies, findings with
their evidence, acknowledge and mute, the weekly digests, and a read-only JSON API under /api/.

Public API: :func:`create_app` (the WSGI application of a county), :func:`create_deployment_app` (that of a
deployment of several counties, each county's at ``/c/<id>/``) and :func:`start_server` (waitress in a background
thread).
They are loaded on first use, so that ``monitor.dashboard.labels`` (the Chinese names the command line and the
notifications share) can be imported without Flask and waitress.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.dashboard.counties import create_deployment_app
    from monitor.dashboard.server import ServerHandle, start_server
    from monitor.dashboard.web import create_app

__all__ = ["ServerHandle", "create_app", "create_deployment_app", "start_server"]

_PUBLIC = {
    "ServerHandle": "monitor.dashboard.server",
    "start_server": "monitor.dashboard.server",
    "create_app": "monitor.dashboard.web",
    "create_deployment_app": "monitor.dashboard.counties",
}


def __getattr__(name: str) -> Any:
    """Load a public name of the dashboard on first use."""
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
