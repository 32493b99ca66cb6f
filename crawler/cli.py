"""``nianbao crawl [--portal ID] -c CONFIG``: crawl the configured portals now, one child process each.

Wiring into ``monitor/cli.py``::

    from crawler.cli import add_crawl_parser, run_crawl
    add_crawl_parser(sub)                      # in build_parser()
    if args.command == "crawl": return run_crawl(args, out, err)

Paths follow ``monitor.app.App.load``: a relative SQLite file and the blob folder are relative to the
configuration file; the HTTP cache and the crawl logs go beside the blob folder (``var/httpcache``,
``var/logs/crawl-<portal>-<run>.log``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from crawler.presets import preset_names
from crawler.probe import PROBE_PORTAL, dry_run, probe_config, report_table, suggested_config
from crawler.run import CrawlSummary, crawl_portal
from monitor.config import Config, ConfigError, load_config
from monitor.store import database_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_crawl_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Add the ``crawl`` subcommand to ``nianbao``'s subparsers."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "crawl", help="立即抓取门户网站上的年度报告", description="立即抓取配置中的门户网站（每个网站一个子进程，有时间限制）。"
    )
    parser.add_argument("-c", "--config", help="配置文件（默认为环境变量 NIANBAO_CONFIG 或 ./nianbao.yaml）")
    parser.add_argument("--portal", action="append", metavar="ID", help="只抓取这个门户网站（可重复）；默认抓取全部")
    return parser


def summary_line(summary: CrawlSummary) -> str:
    """One line about one crawl, in Chinese."""
    state = "成功" if not summary.failed else f"失败（{summary.finish_reason}）"
    return (
        f"{summary.portal_id}：{state}；请求 {summary.requests} 次（304 未修改 {summary.responses_304} 次），"
        f"接收 {summary.bytes:,} 字节，列表页 {summary.pages} 个，新文档 {summary.new_documents} 个，"
        f"变更文档 {summary.changed_documents} 个，无法打开的文档 {summary.unreachable_documents} 个，"
        f"问题 {len(summary.errors)} 条，用时 {summary.seconds:.1f} 秒"
        + (f"；日志 {summary.log_path}" if summary.log_path else "")
    )


def _config_path(args: argparse.Namespace) -> str:
    return args.config or os.environ.get("NIANBAO_CONFIG") or "nianbao.yaml"


def run_portal(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``nianbao portal probe|test``: exit 0 when reports were found, 1 when none (or the crawl failed), 2 for
    wrong arguments or configuration."""
    if args.portal_command == "probe":
        return _probe(args, out, err)
    return _test(args, out, err)


def _probe(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = str(args.url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        err.write(f"nianbao: {url!r} 不是网址：请给出以 http:// 或 https:// 开头的年报栏目地址\n")
        return EXIT_USAGE
    if args.preset not in preset_names():
        err.write(f"nianbao: 未知的网站系统 {args.preset!r}（可选：{'、'.join(preset_names())}）\n")
        return EXIT_USAGE
    if not 1 <= args.max_pages <= 200 or not 0 <= args.delay <= 60:
        err.write("nianbao: --max-pages 应在 1 到 200 之间，--delay 应在 0 到 60 秒之间\n")
        return EXIT_USAGE
    configured: Config | None = None
    if args.config or os.environ.get("NIANBAO_CONFIG") or (not args.contact and os.path.exists("nianbao.yaml")):
        configured = load_config(_config_path(args))
    contact = args.contact or (configured.portals[0].contact if configured and configured.portals else None)
    if not contact:
        err.write("nianbao: 请用 --contact 给出联系方式（邮箱或电话）：它写在抓取请求中，便于网站管理员联系您\n")
        return EXIT_USAGE
    timezone = configured.timezone if configured else "Asia/Shanghai"
    config = probe_config(url, contact, preset=args.preset, timezone=timezone, max_pages=args.max_pages, delay=args.delay)
    out.write(f"正在试探 {url} …（遵守 robots.txt，请求间隔 {args.delay:g} 秒，最多 {args.max_pages} 个列表页）\n")
    out.flush()
    run = dry_run(config, PROBE_PORTAL)
    out.write(report_table(run))
    if not run.reports():
        out.write("没有找到年度报告：请确认网址是年报栏目本身（而不是网站首页），或用 --preset 指定网站系统。\n")
        return EXIT_FAILED
    out.write("\n可以放进 nianbao.yaml 的配置（county 部分请按本县填写）：\n\n")
    out.write(suggested_config(run, url, contact))
    out.write("\n下一步：把以上内容加入 nianbao.yaml，运行 nianbao portal test -c nianbao.yaml 核对，再运行 nianbao serve。\n")
    return EXIT_FAILED if run.summary.failed else EXIT_OK


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config = load_config(_config_path(args))
    known = [p.id for p in config.portals]
    chosen = args.portal or known
    unknown = [p for p in chosen if p not in known]
    if unknown or not chosen:
        err.write(
            f"nianbao: 没有 id 为 {unknown[0]!r} 的门户网站（已配置：{'、'.join(known) or '无'}）\n"
            if unknown
            else "nianbao: 配置中没有门户网站（portals）\n"
        )
        return EXIT_USAGE
    status = EXIT_OK
    for portal_id in chosen:
        out.write(f"试运行 {portal_id}（不保存、不检查、不通知）…\n")
        out.flush()
        run = dry_run(config, portal_id)
        out.write(report_table(run, config))
        unattributed = [d for d in run.reports() if d.body_id is None and not d.problem]
        if unattributed:
            out.write(
                f"有 {len(unattributed)} 份年报无法对应到配置中的单位：请在 bodies 中添加这些单位或它们的别名（aliases）。\n"
            )
        if run.summary.failed or not run.reports():
            status = EXIT_FAILED
    return status


def run_crawl(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Crawl the portals; exit 0 when every crawl finished, 1 when one failed, 2 for a configuration problem."""
    path = args.config or os.environ.get("NIANBAO_CONFIG") or "nianbao.yaml"
    try:
        config = load_config(path)
    except ConfigError as exc:
        err.write(f"nianbao: {exc}\n")
        return EXIT_USAGE
    known = [p.id for p in config.portals]
    chosen = args.portal or known
    unknown = [p for p in chosen if p not in known]
    if unknown:
        err.write(f"nianbao: 没有 id 为 {unknown[0]!r} 的门户网站（已配置：{'、'.join(known) or '无'}）\n")
        return EXIT_USAGE
    if not chosen:
        err.write("nianbao: 配置中没有门户网站（portals）\n")
        return EXIT_USAGE
    base = Path(path).resolve().parent
    blobs = Path(config.blobs) if Path(config.blobs).is_absolute() else base / config.blobs
    database = config.database
    if database and database.startswith("sqlite:///") and not database.startswith("sqlite:////"):
        database = f"sqlite:///{base / database.removeprefix('sqlite:///')}"
    status = EXIT_OK
    for portal_id in chosen:
        summary = crawl_portal(config, portal_id, database_url(database), blobs)
        out.write(summary_line(summary) + "\n")
        for problem in summary.errors[:10]:
            out.write(f"  {problem.get('url', '')}: {problem.get('reason', '')}\n")
        if summary.failed:
            status = EXIT_FAILED
    return status
