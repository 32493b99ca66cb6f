"""``nianbao outbox list|retry|drop``: the administrator's view of the notification queue.

- ``list``: notices not sent yet (waiting, retrying, retried slowly after their attempts were used up, given up
  by an older version) and those a person dropped, with kind, recipient, attempts, last error and the next
  attempt in the county's time zone;
- ``retry ID`` / ``retry --all-failed``: make rows due now (the service sends them on its next pass, within a
  minute); a dropped row named by its id is taken back;
- ``drop ID --reason …``: never send a row; who and why are recorded (``dropped_at``, ``dropped_by`` and a
  ``notification.dropped`` event).

Wired into ``monitor/cli.py``, which defines the arguments. Exit status: 0 done, 2 bad input (an unknown id, a
row already sent or dropped, an invalid configuration).
"""

from __future__ import annotations

import argparse
import getpass
from typing import TextIO

from monitor.app import App
from monitor.clock import local_time
from monitor.store.notify_queries import outbox_counts
from monitor.store.outbox import OutboxRow, drop, failed_ids, get_row, retry, unsent_rows
from notifications.render import duration_zh, notification_zh
from notifications.routes import route_name

EXIT_OK, EXIT_INPUT = 0, 2


def _line(row: OutboxRow, app: App) -> str:
    tz = app.config.timezone
    head = f"[{row.id}] {row.state_zh}  {notification_zh(row.kind)} → {route_name(app.config, row.route)}"
    parts = [head, f"尝试 {row.attempts} 次", f"创建于 {local_time(row.created_at, tz)}"]
    if row.state == "dropped":
        parts.append(f"由 {row.dropped_by or '未知'} 于 {local_time(row.dropped_at, tz)} 取消")
    elif row.state == "gave_up":
        parts.append(f"于 {local_time(row.gave_up_at, tz)} 放弃（可用 retry 重发）")
    else:
        parts.append(f"下次发送 {local_time(row.next_attempt_at, tz)}")
    line = "  ".join(parts)
    if row.last_error and row.state != "dropped":
        line += f"\n    最近错误：{row.last_error}"
    return line


def _list(app: App, out: TextIO) -> int:
    with app.store.db.transaction() as session:
        rows = unsent_rows(session)
        counts = outbox_counts(session)
    if not rows:
        out.write("发送队列中没有待发送、发送失败或已取消的通知。\n")
    for row in rows:
        out.write(_line(row, app) + "\n")
    every = duration_zh(app.config.notifications.slow_retry_interval)
    out.write(
        f"共 {counts['waiting']} 条待发送（其中 {counts['exhausted']} 条多次失败、每{every}重试），"
        f"已发送 {counts['sent']} 条，已放弃 {counts['gave_up']} 条，已取消 {counts['dropped']} 条。\n"
    )
    return EXIT_OK


def _retry(app: App, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    now = app.clock.now()
    with app.store.db.transaction() as session:
        if args.all_failed:
            ids = failed_ids(session)
        else:
            row = get_row(session, args.id)
            if row is None:
                err.write(f"nianbao: 没有编号为 {args.id} 的通知\n")
                return EXIT_INPUT
            if row.sent_at is not None:
                err.write(f"nianbao: 通知 {args.id} 已于 {local_time(row.sent_at, app.config.timezone)} 发送，不会重复发送\n")
                return EXIT_INPUT
            ids = [row.id]
        changed = retry(session, ids, now=now)
    if not changed:
        out.write("没有发送失败的通知需要重发。\n")
    else:
        listed = "、".join(str(i) for i in changed)
        out.write(f"已安排立即重发 {len(changed)} 条通知（编号 {listed}），服务将在下一轮（一分钟内）发送。\n")
    return EXIT_OK


def _drop(app: App, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    reason = args.reason.strip()
    if not reason:
        err.write("nianbao: 参数错误：请用 --reason 说明取消原因\n")
        return EXIT_INPUT
    by = (args.by or getpass.getuser()).strip()
    with app.store.db.transaction() as session:
        row = get_row(session, args.id)
        if row is None:
            err.write(f"nianbao: 没有编号为 {args.id} 的通知\n")
            return EXIT_INPUT
        if row.sent_at is not None:
            err.write(f"nianbao: 通知 {args.id} 已发送，无法取消\n")
            return EXIT_INPUT
        if not drop(session, row.id, by=by, reason=reason, at=app.clock.now()):
            err.write(f"nianbao: 通知 {args.id} 已经取消过\n")
            return EXIT_INPUT
    out.write(f"已取消通知 {args.id}（{notification_zh(row.kind)} → {route_name(app.config, row.route)}），不会再发送。\n")
    return EXIT_OK


def run_outbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``nianbao outbox <list|retry|drop>``: 0 done, 2 bad input or configuration."""
    app = App.load(args.config, county=args.county)  # a ConfigError is the command line's to report
    try:
        if args.outbox_command == "list":
            return _list(app, out)
        if args.outbox_command == "retry":
            return _retry(app, args, out, err)
        return _drop(app, args, out, err)
    finally:
        app.close()
