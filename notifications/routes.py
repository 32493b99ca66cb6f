"""Routes: who a notification is for (a body id, or the county office) and which apprise tags reach them.

A body's tags are ``bodies[].notify``; the county office's are ``county.notify``. A body without tags, or a
route that is no configured body (an unattributed report, a body removed from the configuration), goes to the
county office, so that nothing is addressed to no one.
"""

from __future__ import annotations

from monitor.config import Body, Config

COUNTY = "county"
COUNTY_NAME = "县政府办公室"
UNKNOWN_BODY = "未识别单位"


def body_of(config: Config, body_id: str | None) -> Body | None:
    """The configured body with this id, or None."""
    return next((b for b in config.bodies if b.id == body_id), None) if body_id else None


def route_for(config: Config, body_id: str | None) -> str:
    """The route of a message about ``body_id``: the body when configured, else the county office."""
    body = body_of(config, body_id)
    return body.id if body is not None else COUNTY


def route_tags(config: Config, route: str) -> tuple[str, ...]:
    """The apprise tags a route is sent to (a body without tags falls back to the county office's)."""
    body = body_of(config, route) if route != COUNTY else None
    if body is not None and body.notify:
        return body.notify
    return config.county_notify


def route_name(config: Config, route: str) -> str:
    """Who a route reaches, for people: the body's name or 县政府办公室."""
    body = body_of(config, route) if route != COUNTY else None
    return body.name if body is not None else COUNTY_NAME


def body_name(config: Config, body_id: str | None) -> str:
    """A body's official name (or its id when not configured any more, or 未识别单位 without one)."""
    body = body_of(config, body_id)
    if body is not None:
        return body.name
    return body_id or UNKNOWN_BODY
