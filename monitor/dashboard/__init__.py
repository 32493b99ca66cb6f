"""The county office's web dashboard, served by ``nianbao serve``: the year's overview, bodies, findings with
their evidence, acknowledge and mute, the weekly digests, and a read-only JSON API under /api/.

Public API: :func:`create_app` (the WSGI application) and :func:`start_server` (waitress in a background thread).
"""

from __future__ import annotations

from monitor.dashboard.server import ServerHandle, start_server
from monitor.dashboard.web import create_app

__all__ = ["ServerHandle", "create_app", "start_server"]
