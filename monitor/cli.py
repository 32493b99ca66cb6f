"""The ``nianbao`` command line. Messages for people are Simplified Chinese."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from typing import TextIO

from documents.budget import MAX_OCR_SECONDS, time_limit
from monitor import ruledocs
from monitor.checking import InputError, check_file, expand_inputs, load_report
from monitor.config import ConfigError
from monitor.output import Tally, as_json, as_text, display_path, findings_count
from monitor.store.queue import QUEUES as QUEUE_NAMES
from rules import Context

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
_PROGRESS_MIN_FILES = 10


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"nianbao: 参数错误：{message}\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD，收到 {text!r}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"时限应为 0 到 86400 之间的秒数，收到 {text!r}")
    return value


def _queues(text: str) -> list[str]:
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUE_NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"队列应为 {','.join(QUEUE_NAMES)} 中的一个或几个（逗号分隔），收到 {text!r}")
    return names


def _concurrency(text: str) -> int:
    if not str(text).isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"并发数应为 1 到 64 之间的整数，收到 {text!r}")
    return int(text)


def _year(text: str) -> int:
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"年度应为四位数字，如 2025，收到 {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="nianbao", description="政府信息公开工作年度报告检查与监测")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="检查手头的年度报告文件", description="检查年度报告文件（可以是目录）。")
    check.add_argument("files", nargs="+", metavar="FILE", help="报告文件或目录")
    check.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    check.add_argument("--year", type=_year, help="报告年度（默认从标题识别）")
    check.add_argument(
        "--body-type",
        choices=("town", "department", "county"),
        help="单位类型：town 乡镇街道，department 县级部门，county 县政府",
    )
    check.add_argument("--published", type=_date, help="发布日期 YYYY-MM-DD（与 --body-type 一起用于检查是否逾期，D602）")
    check.add_argument("--deadline", type=_date, help="本县规定的公开期限 YYYY-MM-DD（覆盖默认期限）")
    check.add_argument("--previous", metavar="FILE", help="同一单位上一年度的报告（用于跨年度核对，H 类规则）")
    check.add_argument("--excerpt", action="store_true", help="文件只是报告的节选：找不到的部分和表格不作为问题")
    check.add_argument(
        "--min-severity", choices=("info", "warning", "error"), default="info", help="只报告不低于此严重程度的问题（默认 info）"
    )
    check.add_argument(
        "--time-limit",
        type=_seconds,
        default=MAX_OCR_SECONDS,
        metavar="SECONDS",
        help=f"每个扫描件文字识别的总时限，超过即停止并报告（秒，默认 {MAX_OCR_SECONDS:g}）",
    )

    rules = sub.add_parser("rules", help="规则目录")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    listing = rules_sub.add_parser("list", help="列出全部规则")
    listing.add_argument("--markdown", action="store_true", help="输出 docs/rules.md 的内容")

    demo = sub.add_parser(
        "demo",
        help="在本机启动演示县门户网站，完整演示抓取、检查、通知和汇总",
        description="在本机启动演示县门户网站，完整演示抓取、检查、通知和汇总。再次运行不会重复保存报告。",
    )
    demo.add_argument("--workspace", default="var/demo", metavar="DIR", help="演示数据保存的目录（默认 var/demo）")
    crawl = sub.add_parser(
        "crawl", help="立即抓取门户网站上的年度报告（每个网站一个子进程，有时间限制）", parents=[_config_option()]
    )
    crawl.add_argument("--portal", action="append", metavar="ID", help="只抓取这个门户网站（可重复）；默认抓取全部")

    portal = sub.add_parser("portal", help="配置门户网站：试探栏目、试运行")
    portal_sub = portal.add_subparsers(dest="portal_command", required=True, parser_class=_Parser)
    probe = portal_sub.add_parser(
        "probe",
        help="试探一个年报栏目：识别网站系统，列出能找到的年报，给出配置",
        description="礼貌地抓取一个年报栏目（遵守 robots.txt，每次请求间隔 1 秒，最多读取 10 个列表页），识别网站系统，"
        "列出能找到的年度报告（标题、年度、发布日期及其来源、单位、附件），并给出可以直接放进 nianbao.yaml 的配置。"
        "不保存任何内容。",
    )
    probe.add_argument("url", help="年报栏目的网址（浏览器地址栏中的地址）")
    probe.add_argument("--contact", help="联系方式（邮箱或电话），写在抓取请求的 User-Agent 中；默认取配置文件中第一个门户网站的")
    probe.add_argument("-c", "--config", help="配置文件（可选：取其中的联系方式和时区）")
    probe.add_argument("--preset", default="auto", help="网站系统：auto（自动识别，默认）、trs、hanweb、gkmlpt、ucap、generic")
    probe.add_argument("--max-pages", type=int, default=10, help="最多读取的列表页数（默认 10）")
    probe.add_argument("--delay", type=float, default=1.0, help="两次请求之间的间隔秒数（默认 1）")
    dry = portal_sub.add_parser(
        "test",
        help="试运行配置中的门户网站：不保存任何内容，列出能找到的年报",
        description="按 nianbao.yaml 中的配置抓取门户网站一次（与正式运行完全相同，但不写入数据库、不检查、不通知），"
        "列出能找到的年度报告及其单位、年度、发布日期。",
        parents=[_config_option()],
    )
    dry.add_argument("--portal", action="append", metavar="ID", help="只试运行这个门户网站（可重复）；默认全部")
    sub.add_parser("serve", help="启动后台监测服务（按计划抓取、检查、通知）", parents=[_config_option(county=False)])
    sub.add_parser("run-once", help="立即执行一轮抓取、检查和通知", parents=[_config_option(county=False)])
    worker = sub.add_parser(
        "worker",
        help="启动工作进程（tasks.engine: procrastinate 时完成抓取、检查和通知）",
        description="从 PostgreSQL 任务队列领取任务：抓取门户网站、检查文档、扫描件识别、发送通知。可在多台机器上运行多个。",
        parents=[_config_option(county=False)],
    )
    worker.add_argument(
        "--queues", type=_queues, default=os.environ.get("NIANBAO_WORKER_QUEUES") or ",".join(QUEUE_NAMES),
        help=f"领取哪些队列的任务，逗号分隔（默认 $NIANBAO_WORKER_QUEUES 或全部：{','.join(QUEUE_NAMES)}）",
    )  # fmt: skip
    worker.add_argument(
        "--concurrency", type=_concurrency, default=os.environ.get("NIANBAO_WORKER_CONCURRENCY") or "4",
        help="同时进行的任务数（默认 $NIANBAO_WORKER_CONCURRENCY 或 4；检查在一个进程内依次进行，要用满多个核请启动多个进程）",
    )  # fmt: skip
    worker.add_argument(
        "--ocr-threads", type=_concurrency, default=os.environ.get("NIANBAO_OCR_THREADS") or "1",
        help="扫描件识别用几个线程（默认 $NIANBAO_OCR_THREADS 或 1：多核机器上多启动几个工作进程更快）",
    )  # fmt: skip
    worker.add_argument("--name", help="工作进程名称（默认 主机名-进程号）")

    recheck = sub.add_parser(
        "recheck",
        help="重新归属并检查已保存的报告（修改单位名称、别名或升级规则之后）",
        description="按当前配置重新判断已保存报告所属的单位，并用当前规则重新检查；问题不会重复，未变化的问题不会再次通知。",
        parents=[_config_option()],
    )
    recheck.add_argument("--body", metavar="ID", help="只处理这个单位（单位编号）的报告，以及尚未归属单位的报告")
    recheck.add_argument("--year", type=_year, help="只处理这一年度的报告")

    digest = sub.add_parser("digest", help="生成每周汇总（可发送给县政府办公室）", parents=[_config_option()])
    digest.add_argument("--week", help="ISO 周，如 2026-W05（默认为上一个完整的周）")
    digest.add_argument("--send", action="store_true", help="生成后立即发送")

    dashboard = sub.add_parser("dashboard", help="网页界面")
    dashboard_sub = dashboard.add_subparsers(dest="dashboard_command", required=True, parser_class=_Parser)
    dashboard_sub.add_parser("hash-password", help="生成网页界面账号的密码哈希（从标准输入读取密码）")

    config = sub.add_parser("config", help="配置文件")
    config_sub = config.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    config_sub.add_parser("check", help="检查配置文件是否正确", parents=[_config_option()])

    db = sub.add_parser("db", help="数据库")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_sub.add_parser("upgrade", help="创建或升级数据库结构", parents=[_config_option()])

    findings = sub.add_parser("findings", help="查看和处理发现的问题")
    findings_sub = findings.add_subparsers(dest="findings_command", required=True, parser_class=_Parser)
    listing = findings_sub.add_parser("list", help="列出问题", parents=[_config_option()])
    listing.add_argument("--state", choices=("open", "acknowledged", "muted", "resolved"), help="只列出该状态的问题")
    listing.add_argument("--body", help="只列出该单位（单位编号）的问题")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    show = findings_sub.add_parser("show", help="查看一个问题及其处理记录", parents=[_config_option()])
    show.add_argument("finding", help="问题编号或指纹")
    ack = findings_sub.add_parser("ack", help="确认问题（已安排整改）", parents=[_config_option()])
    ack.add_argument("finding", help="问题编号或指纹")
    ack.add_argument("--by", required=True, help="处理人")
    ack.add_argument("--reason", default="", help="说明")
    mute = findings_sub.add_parser("mute", help="静默问题（需说明原因和截止日期）", parents=[_config_option()])
    mute.add_argument("finding", help="问题编号或指纹")
    mute.add_argument("--by", required=True, help="处理人")
    mute.add_argument("--reason", required=True, help="静默原因")
    mute.add_argument("--until", required=True, type=_date, help="静默截止日期 YYYY-MM-DD")
    unmute = findings_sub.add_parser("unmute", help="取消静默", parents=[_config_option()])
    unmute.add_argument("finding", help="问题编号或指纹")
    unmute.add_argument("--by", required=True, help="处理人")
    unmute.add_argument("--reason", default="", help="说明")

    outbox = sub.add_parser("outbox", help="通知发送队列：查看、重发、取消")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, parser_class=_Parser)
    outbox_sub.add_parser("list", help="列出待发送、发送失败和已取消的通知", parents=[_config_option()])
    again = outbox_sub.add_parser("retry", help="立即重发（服务在一分钟内发送）", parents=[_config_option()])
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="通知编号（nianbao outbox list 的第一列）")
    which.add_argument("--all-failed", action="store_true", help="重发全部发送失败的通知")
    drop = outbox_sub.add_parser("drop", help="取消一条通知（不再发送）", parents=[_config_option()])
    drop.add_argument("id", type=int, help="通知编号")
    drop.add_argument("--reason", required=True, help="取消原因（记录在案）")
    drop.add_argument("--by", help="处理人（默认为当前系统用户）")
    return parser


def _config_option(*, county: bool = True) -> _Parser:
    """``-c``; and ``--county`` for the commands that work on one county of a deployment of several."""
    parent = _Parser(add_help=False)
    parent.add_argument("-c", "--config", help="配置文件（默认 $NIANBAO_CONFIG 或 ./nianbao.yaml）")
    if county:
        parent.add_argument("--county", help="多县部署时：要操作的县（部署配置 counties 中的 id）")
    return parent


def _progress(stream: TextIO, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    stream.write(f"\r检查中 {done}/{total}（{rate:.0f} 个/秒）")
    stream.flush()


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``nianbao check``: exit 0 without findings, 1 with findings, 2 when an input could not be read."""
    previous = None
    if args.previous:
        try:
            _data, previous = load_report(args.previous)
        except InputError as exc:
            err.write(f"nianbao: {display_path(exc.path)}: {exc.reason}（--previous）\n")
            return EXIT_INPUT
    context = Context(
        year=args.year,
        body_type=args.body_type,
        published_on=args.published,
        previous=previous,
        excerpt=args.excerpt,
        deadline=args.deadline,
    )
    paths = list(expand_inputs(args.files))  # an InputError in place of a directory that cannot be read
    show_progress = err.isatty() and len(paths) >= _PROGRESS_MIN_FILES
    started = time.monotonic()
    tally = Tally()
    with_findings = 0
    for index, item in enumerate(paths, 1):
        path = item.path if isinstance(item, InputError) else item
        try:
            if isinstance(item, InputError):
                raise item
            with time_limit(args.time_limit):
                checked = check_file(path, context)
        except InputError as exc:
            tally.unreadable += 1
            if show_progress:
                err.write("\r\x1b[K")
            err.write(f"nianbao: {display_path(exc.path)}: {exc.reason}\n")
            continue
        except Exception as exc:  # a bug must not cost the other files their results
            if os.environ.get("NIANBAO_DEBUG"):
                raise
            tally.unreadable += 1
            problem = " ".join(str(exc).split())
            err.write(f"nianbao: {display_path(path)}: 内部错误（{type(exc).__name__}: {problem}），请将此文件报告给开发者\n")
            continue
        if findings_count(checked, args.min_severity):
            with_findings += 1
        if args.format == "json":
            out.write(as_json(checked, args.min_severity) + "\n")
        else:
            for line in as_text(checked, args.min_severity):
                out.write(line + "\n")
        tally.add(checked, args.min_severity)
        if show_progress:
            _progress(err, index, len(paths), started)
    if show_progress:
        err.write("\r\x1b[K")
    if args.format == "text":
        out.write(tally.summary() + "\n")
    if tally.unreadable:
        return EXIT_INPUT
    return EXIT_FINDINGS if with_findings else EXIT_OK


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of the ``nianbao`` console script."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return _run(args, out, err)
    except ConfigError as exc:  # every command that reads nianbao.yaml: one line, exit 2
        err.write(f"nianbao: 配置错误：{exc}\n")
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader went away (``nianbao demo | head``): stop quietly, as other command-line tools do.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "check":
        return run_check(args, out, err)
    if args.command == "rules":
        out.write(ruledocs.markdown() if args.markdown else ruledocs.listing())
        return EXIT_OK
    if args.command == "demo":
        from monitor.demo import run_demo

        return run_demo(out, err, args.workspace)
    if args.command == "crawl":
        from crawler.cli import run_crawl

        return run_crawl(args, out, err)
    if args.command == "portal":
        from crawler.cli import run_portal

        return run_portal(args, out, err)
    if args.command in ("serve", "run-once"):
        from monitor import service

        return service.serve(args.config, out) if args.command == "serve" else service.run_once(args.config, out)
    if args.command == "worker":
        from monitor.tasks import run_worker

        try:
            return run_worker(args.config, args.queues, args.concurrency, args.name, args.ocr_threads)
        except ValueError as exc:
            err.write(f"nianbao: {exc}\n")
            return EXIT_INPUT
    if args.command == "dashboard":
        from monitor.dashboard.cli import hash_password_command

        return hash_password_command(out, err)
    if args.command == "recheck":
        from monitor.recheck import run_recheck

        return run_recheck(args, out, err)
    if args.command == "digest":
        from notifications.cli import run_digest

        return run_digest(args.config, args.week, args.send, out, err, county=args.county)
    if args.command == "outbox":
        from notifications.outbox_cli import run_outbox

        return run_outbox(args, out, err)
    if args.command in ("config", "db", "findings"):
        from monitor import admin

        return admin.run(args, out, err)
    raise AssertionError(args.command)  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
