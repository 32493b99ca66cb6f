"""``nianbao demo``: the whole cycle on the bundled demo county portal, on SQLite, on this machine only.

Starts the demo portal on 127.0.0.1, crawls it, checks what was found, runs the deadline sweep, sends the
notifications (to a local file when no target is configured, as here), writes the weekly digest of the demo's own
week, and prints a table of the bodies, where the results are and commands to look at them.

Running it again into the same workspace changes nothing: the portal is served on the port the workspace's
configuration names (:data:`crawler.demo_portal.DEMO_PORT` the first time), so every report keeps its URL, answers
304 and is neither stored nor checked again. Every step happens at a fixed moment of the demo's day
(:data:`DEMO_NOW`), in the order a real poll does them. A step that fails ends the demo with exit status 1 and a
sentence saying which step and why.
"""

from __future__ import annotations

import os
import shlex
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from crawler.demo_portal import DEMO_PORT, DemoPortal, written_port
from crawler.run import crawl_portal
from monitor.app import App
from monitor.clock import FixedClock
from monitor.store.status import STATUS_ZH, BodyStatus
from notifications.digest import build_digest, save_digest, week_of
from notifications.dispatch import dispatch_once
from notifications.transports import sink_path
from rules.deadlines import BODY_TYPE_ZH

#: The demo's "today": after every deadline of the 2025 reports, so each kind of status shows.
DEMO_NOW = datetime(2026, 4, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
#: The week the demo's digest covers: the demo's own week, the one its crawl happens in.
DEMO_WEEK = week_of(DEMO_NOW.date())
DEFAULT_WORKSPACE = "var/demo"

_COLUMNS = ("单位", "类型", "状态", "发布日期", "错误", "警告")


class DemoError(Exception):
    """A step of the demo did not do what it must; the message says what, in Chinese."""


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: East Asian wide and full-width characters take two, combining
    marks none, everything else one."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (on the left when ``right``)."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def format_table(rows: Sequence[Sequence[str]], *, right: Collection[int] = (), indent: str = "  ", gap: str = "  ") -> list[str]:
    """The lines of a table whose columns line up on a terminal; the columns numbered in ``right`` are aligned
    to the right (numbers)."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + gap.join(pad(cell, widths[i], right=i in right) for i, cell in enumerate(row)).rstrip() for row in rows]


def status_table(statuses: Sequence[BodyStatus]) -> list[str]:
    """The console table of the bodies' standing: name, type, status, publication date, errors, warnings."""
    rows = [list(_COLUMNS)]
    for status in statuses:
        published = status.published_on.isoformat() if status.published_on else "—"
        kind = BODY_TYPE_ZH.get(status.type, status.type)
        rows.append([status.name, kind, status.status_zh, published, str(status.errors), str(status.warnings)])
    return format_table(rows, right=(4, 5))


def status_counts(statuses: Sequence[str]) -> str:
    """``单位 6 个：按时公开 3，逾期公开 1，…``: how many bodies have each status (the ones that occur)."""
    counts = Counter(statuses)
    parts = [f"{label} {counts[key]}" for key, label in STATUS_ZH.items() if counts[key]]
    return f"单位 {len(statuses)} 个：{'，'.join(parts)}"


def shown(path: str | Path) -> str:
    """``path`` as typed from the current directory: relative when it lies inside it, else absolute."""
    absolute = Path(path).absolute()
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def nianbao_command() -> str:
    """How to run ``nianbao`` from the current directory: the script beside this Python (``.venv/bin/nianbao``
    when ``make demo`` runs it), or the module through this Python."""
    script = Path(sys.executable).parent / "nianbao"
    if script.is_file() and os.access(script, os.X_OK):
        return shlex.quote(shown(script))
    return f"{shlex.quote(shown(sys.executable))} -m monitor"


@dataclass
class _Demo:
    folder: Path
    port: int | None
    out: TextIO
    step: str = "准备演示目录"

    def run(self) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        config_file = self.folder / "nianbao.yaml"
        wanted = self.port if self.port is not None else written_port(config_file) or DEMO_PORT
        self.step = "启动演示县门户网站"
        with DemoPortal(port=wanted, fallback=True) as portal:
            self.out.write(f"演示县门户网站已在本机启动：{portal.url(portal.site.column_url())}\n")
            if portal.moved:
                self.out.write(
                    f"（端口 {wanted} 已被其他程序占用，本次改用端口 {portal.port}。网址变了，本次抓取的报告会作为新文档"
                    f"保存；如需从头开始，请删除 {shown(self.folder)} 后再运行。）\n"
                )
            config_file = portal.write_config(config_file, database="sqlite:///nianbao.db", blobs="blobs")
            clock = FixedClock(DEMO_NOW)
            app = App.load(str(config_file), clock=clock)
            try:
                self._cycle(app, clock)
            finally:
                app.close()
        return 0

    def _cycle(self, app: App, clock: FixedClock) -> None:
        out = self.out
        for configured in app.config.portals:
            self.step = f"抓取{configured.name}"
            summary = crawl_portal(
                app.config,
                configured.id,
                app.store.db.url,
                app.store.blobs.root,
                cache_dir=self.folder / "httpcache",
                clock=clock,
            )
            app.queue_crawl_problem(configured.id)  # a failed crawl is the county office's to know, as in the service
            if summary.failed:
                raise DemoError(f"抓取{configured.name}没有成功（{summary.finish_reason or '原因不明'}）")
            out.write(
                f"抓取 {configured.name}：完成，请求 {summary.requests} 次（其中 {summary.responses_304} 次网页没有变化），"
                f"新发现 {summary.new_documents} 份、有变化 {summary.changed_documents} 份。\n"
            )
        documents = app.store.crawl.documents()
        out.write(f"数据库中共有文档 {len(documents)} 份（{sum(d.versions for d in documents)} 个版本）。\n")
        # A crawl records its times moving on from DEMO_NOW and ends by its time limit; what follows is placed after
        # the last one could have ended, so the store (and the digest reading it) sees things in the order they happened.
        clock.at = DEMO_NOW + timedelta(seconds=sum(p.time_limit for p in app.config.portals), minutes=1)

        self.step = "检查报告"
        rechecked = app.recheck_if_rules_changed()  # a demo run again after an upgrade: as the service does
        if rechecked is not None:
            out.write(f"检查规则已更新，重新检查了已保存的报告 {rechecked.checked} 份。\n")
        processed = app.process()
        app.reconcile_unreachable()
        app.queue_county_summary()
        if processed.errors:
            raise DemoError(f"检查报告时出错：{'；'.join(processed.errors)}")
        if processed.unreadable:
            raise DemoError(f"有 {processed.unreadable} 份演示报告无法读取")
        if processed.checked:
            out.write(f"检查报告 {processed.checked} 份，发现问题 {processed.opened} 个。\n")
        else:
            out.write("没有新的或有变化的报告需要检查。\n")

        self.step = "期限检查"
        clock.advance(minutes=1)
        swept = app.sweep()
        if swept.missing:
            out.write(f"逾期未公开：{len(swept.missing)} 个单位。\n")

        self.step = "发送通知"
        clock.advance(minutes=1)
        sent = dispatch_once(app.store.db, app.config, clock.now(), base=app.base)

        self.step = "生成每周汇总"
        clock.advance(minutes=1)
        statuses = app.statuses()
        digest = build_digest(app.store.db, app.config, DEMO_WEEK, clock.now())
        html, _text = save_digest(digest, app.config, base=app.base)
        year = statuses[0].year if statuses else DEMO_NOW.year - 1
        out.write(f"\n{year}年度报告发布和检查情况（演示日期 {DEMO_NOW:%Y-%m-%d}）：\n")
        out.writelines(line + "\n" for line in status_table(statuses))
        summarised = {b.id: b.status_zh for b in digest.bodies}
        differ = [s.name for s in statuses if summarised.get(s.body_id) != s.status_zh]
        if differ or len(summarised) != len(statuses):
            raise DemoError(f"每周汇总（{DEMO_WEEK}）与上表的单位状态不一致：{'、'.join(differ) or '单位数不同'}")
        out.write(f"{status_counts([s.status for s in statuses])}。每周汇总（{DEMO_WEEK}）与上表一致。\n")

        config = shlex.quote(shown(app.config_file))
        out.write("\n结果保存在：\n")
        paths = [
            ("数据库", app.base / "nianbao.db"),
            ("原始文件", app.store.blobs.root),
            (f"通知（本次 {sent.sent} 条）", sink_path(app.config, app.base)),
            ("每周汇总", html),
            ("配置文件", Path(app.config_file)),
        ]
        out.writelines(line + "\n" for line in format_table([(label, shown(path)) for label, path in paths]))
        nianbao = nianbao_command()
        out.write("\n在当前目录运行下面的命令查看问题：\n")
        out.write(f"  {nianbao} findings list -c {config}\n")
        if digest.open_findings:
            out.write(f"  {nianbao} findings show {digest.open_findings[0].id} -c {config}\n")
        out.write("正式使用（定时抓取本县门户网站、通知、网页界面）见 README.md 的「后台监测服务」。\n")


def run_demo(out: TextIO, err: TextIO, workspace: str | Path = DEFAULT_WORKSPACE, *, port: int | None = None) -> int:
    """Run the demo cycle into ``workspace``; exit 0 when every step completed, 1 (and one sentence on ``err``)
    when one did not. ``port``: serve the demo portal there (default: the port the workspace's configuration
    names, else :data:`crawler.demo_portal.DEMO_PORT`; a port in use falls back to a free one)."""
    demo = _Demo(Path(workspace), port, out)
    try:
        return demo.run()
    except DemoError as failure:
        err.write(f"nianbao: 演示没有完成：{failure}。\n")
    except Exception as error:  # any step: the clerk gets one sentence, not a traceback
        err.write(f"nianbao: 演示没有完成：{demo.step}时出错（{type(error).__name__}: {error}）。\n")
    return 1
