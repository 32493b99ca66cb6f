"""The dashboard's 通知发送情况 page (``/deliveries``): notices not delivered yet (waiting, retrying, retried slowly
after their attempts were used up), those a person dropped, and the queue's counts. Sending again or dropping is
the administrator's (``nianbao outbox retry|drop``), not the dashboard's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from monitor.store.notify_queries import outbox_counts
from monitor.store.outbox import unsent_rows
from notifications.render import duration_zh, notification_zh
from notifications.routes import route_name

bp = Blueprint("deliveries", __name__)


@bp.get("/deliveries")
def deliveries() -> Any:
    """Every notice not delivered (oldest first) with its state, attempts, last error and next attempt."""
    app = current_app.extensions["nianbao"].app
    with app.store.db.transaction() as session:
        rows = unsent_rows(session)
        counts = outbox_counts(session)
    return render_template(
        "deliveries.html",
        rows=rows,
        counts=counts,
        kind_zh=notification_zh,
        route=lambda route: route_name(app.config, route),
        every=duration_zh(app.config.notifications.slow_retry_interval),
        max_attempts=app.config.notifications.max_attempts,
    )
