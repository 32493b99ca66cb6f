"""``nianbao digest [--send] [--week 2026-W05]``: build and save the weekly digest, and optionally send it now.

Wired into ``monitor/cli.py``; this module holds the command's behaviour so the command line stays thin.
Exit status: 0 done, 1 the digest was saved but could not be sent (it stays queued: the service retries it),
2 the configuration or the week is invalid.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO

from monitor.app import App
from monitor.clock import FixedClock, local_time
from monitor.config import ConfigError
from monitor.store.outbox import state_of
from notifications.digest import WeekError, build_digest, digest_draft, parse_week, queue_digest, save_digest
from notifications.dispatch import dispatch_once, quiet_until
from notifications.routes import COUNTY, route_tags
from notifications.transports import FileTransport, build_transport


def run_digest(
    config_path: str | None,
    week: str | None,
    send: bool,
    out: TextIO,
    err: TextIO,
    *,
    now: datetime | None = None,
    county: str | None = None,
) -> int:
    """Build the digest of ``week`` (default: the last complete week), save it, and with ``send`` queue and send it."""
    if week is not None:
        try:
            parse_week(week)
        except WeekError as exc:
            err.write(f"nianbao: 参数错误：{exc}\n")
            return 2
    try:
        app = App.load(config_path, county=county, clock=FixedClock(now) if now is not None else None)
    except ConfigError as exc:
        err.write(f"nianbao: 配置错误：{exc}\n")
        return 2
    try:
        moment = app.clock.now()
        base = Path(app.config_file).resolve().parent
        digest = build_digest(app.store.db, app.config, week, moment)
        html, text = save_digest(digest, app.config, base=base)
        out.write(f"{digest.week} 周报已保存：\n  {html}\n  {text}\n")
        if not send:
            return 0
        queue_digest(app.store.db, digest, moment)
        key = digest_draft(digest).key
        transport = build_transport(app.config, base=base)
        stats = dispatch_once(app.store.db, app.config, moment, worker="cli-digest", sender=transport, keys=[key], base=base)
        with app.store.db.transaction() as session:
            state = state_of(session, key)
        tz = app.config.timezone
        if state is not None and state.sent_at is not None:
            if stats.sent and isinstance(transport, FileTransport):
                out.write(f"未配置通知目标：周报已写入 {transport.path}。\n")
            elif stats.sent:
                out.write(f"已发送给县政府办公室（标签：{', '.join(route_tags(app.config, COUNTY))}）。\n")
            else:
                out.write(f"本周周报已于 {local_time(state.sent_at, tz)} 发送过，未重复发送。\n")
            return 0
        if stats.deferred:
            until = quiet_until(app.config, moment)
            when = local_time(until, tz, "%H:%M")
            out.write(f"现在是免打扰时段，周报已加入发送队列，服务将在 {when} 后发送。\n")
            return 0
        reason = f"：{state.last_error}" if state is not None and state.last_error else ""
        if state is not None and state.exhausted_at is not None:
            hours = app.config.notifications.slow_retry_interval / 3600
            err.write(
                f"nianbao: 周报多次发送失败，服务将每 {hours:g} 小时重试一次"
                f"（下次 {local_time(state.next_attempt_at, tz)}；可用 nianbao outbox retry {state.id} 立即重试）{reason}\n"
            )
        else:
            err.write(f"nianbao: 周报暂未发送成功，已留在发送队列中，由服务自动重试{reason}\n")
        return 1
    finally:
        app.close()
