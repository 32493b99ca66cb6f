"""``nianbao demo``: the whole cycle on the bundled demo county portal, on SQLite, on this machine only.

Starts the demo portal on 127.0.0.1, crawls it, checks what was found, runs the deadline sweep, sends the
notifications (to a local file when no target is configured, as here), writes the weekly digest, and prints
a table of the bodies and where the results are.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from crawler.demo_portal import DemoPortal
from crawler.run import crawl_portal
from monitor.app import App
from monitor.clock import FixedClock
from notifications.digest import build_digest, save_digest
from notifications.dispatch import dispatch_once
from notifications.transports import sink_path
from rules.deadlines import BODY_TYPE_ZH

#: The demo's "today": after every deadline of the 2025 reports, so each kind of status shows.
DEMO_NOW = datetime(2026, 4, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def run_demo(out: TextIO, err: TextIO, workspace: str | Path = "var/demo") -> int:
    """Run the demo cycle into ``workspace``; exit 0 when it completed."""
    folder = Path(workspace).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    clock = FixedClock(DEMO_NOW)
    with DemoPortal() as portal:
        out.write(f"演示县门户网站已在本机启动：{portal.base_url}/\n")
        config_file = portal.write_config(folder / "nianbao.yaml", database=f"sqlite:///{folder / 'nianbao.db'}", blobs="blobs")
        app = App.load(str(config_file), clock=clock)
        try:
            for configured in app.config.portals:
                summary = crawl_portal(
                    app.config,
                    configured.id,
                    app.store.db.url,
                    app.store.blobs.root,
                    cache_dir=folder / "httpcache",
                    clock=clock,
                )
                state = "失败：" + (summary.finish_reason or "") if summary.failed else "完成"
                out.write(
                    f"抓取 {configured.name}：{state}，请求 {summary.requests} 次，新发现 {summary.new_documents} 份、"
                    f"有变化 {summary.changed_documents} 份。\n"
                )
            processed = app.process()
            out.write(f"检查报告 {processed.checked} 份，无法读取 {processed.unreadable} 份，发现问题 {processed.opened} 个。\n")
            swept = app.sweep()
            if swept.missing:
                out.write(f"逾期未公开：{len(swept.missing)} 个单位。\n")
            sent = dispatch_once(app.store.db, app.config, clock.now(), base=app.base)
            digest = build_digest(app.store.db, app.config, None, clock.now())
            html, _text = save_digest(digest, app.config, base=app.base)
            _table(app, out)
            out.write("\n结果保存在：\n")
            out.write(f"  数据库        {folder / 'nianbao.db'}\n")
            out.write(f"  原始文件      {app.store.blobs.root}\n")
            out.write(f"  通知（{getattr(sent, 'sent', 0)} 条）  {sink_path(app.config, app.base)}\n")
            out.write(f"  每周汇总      {html}\n")
            out.write(f"  配置文件      {config_file}\n")
            out.write(f"查看问题：nianbao findings list -c {config_file}；网页界面：nianbao serve -c {config_file}\n")
        finally:
            app.close()
    return 0


def _table(app: App, out: TextIO) -> None:
    statuses = app.statuses()
    out.write(f"\n{statuses[0].year if statuses else ''}年度报告发布和检查情况（演示日期 {DEMO_NOW:%Y-%m-%d}）：\n")
    width = max((len(s.name) for s in statuses), default=4)
    out.write(f"  {'单位':<{width}}  类型        状态              发布日期      错误  警告\n")
    for status in statuses:
        published = status.published_on.isoformat() if status.published_on else "—"
        name = status.name + "\u3000" * (width - len(status.name))
        out.write(
            f"  {name}  {BODY_TYPE_ZH.get(status.type, status.type):<8}  {status.status_zh:<8}  {published:<12}  "
            f"{status.errors:>4}  {status.warnings:>4}\n"
        )
