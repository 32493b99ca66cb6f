"""The bundled demo county portal: a static site generated from the seed reports, served on 127.0.0.1.

``serve_demo()`` is a context manager giving ``(base_url, config)``: the portal runs on a free port of 127.0.0.1
and ``config`` is a validated :class:`monitor.config.Config` naming it (portal ``demo``, six bodies, one of which
has not published). :class:`DemoPortal` is the same with the test hooks: edit a report after publication, publish
a new one, add any page, make a route misbehave, read the request log. ``nianbao demo`` serves it on the fixed
port :data:`DEMO_PORT` (the one its configuration already names, when it has run before: see
:func:`written_port`), so that its documents keep their URLs from one run to the next. ``run_crawl_demo(out, err)``
is the crawl part on its own (``python -m crawler``). See :mod:`crawler.demo_portal.site` for what each body
demonstrates. :class:`SystemPortal` serves one 年报 column per portal system (trs, hanweb, gkmlpt, ucap, generic)
in that system's own markup and paging protocol (see :mod:`crawler.demo_portal.systems`).
"""

from __future__ import annotations

from crawler.demo_portal.demo import run_crawl_demo
from crawler.demo_portal.portal import (
    DEMO_PORT,
    PORTAL_ID,
    DemoPortal,
    demo_config_data,
    serve_demo,
    written_port,
)
from crawler.demo_portal.server import MODES, Logged
from crawler.demo_portal.site import BODIES, ExpectedDocument
from crawler.demo_portal.system_portal import SystemPortal, system_config_data
from crawler.demo_portal.systems import SYSTEMS, SystemSite

__all__ = [
    "BODIES",
    "DEMO_PORT",
    "MODES",
    "PORTAL_ID",
    "SYSTEMS",
    "DemoPortal",
    "ExpectedDocument",
    "Logged",
    "SystemPortal",
    "SystemSite",
    "demo_config_data",
    "run_crawl_demo",
    "serve_demo",
    "system_config_data",
    "written_port",
]
