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

from crawler.run import CrawlSummary, crawl_portal
from monitor.config import ConfigError, load_config
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
