"""``nianbao serve``: the background service on APScheduler 3.11 with its jobs stored in the database.

Jobs never overlap themselves (max_instances=1, coalesced); SIGTERM lets the running unit of work finish,
then the service exits. A restart (even after SIGKILL) loses nothing: every step is a stored hand-off.

Several instances may run against one database: only the one holding the scheduler lock
(:mod:`monitor.store.scheduler_lock`) schedules; the others serve the dashboard and take over when it stops.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler import zygote
from monitor import jobs, tasks
from monitor.app import App
from monitor.dashboard import start_server
from monitor.deployment import Deployment
from monitor.store.scheduler_lock import RETRY_SECONDS, SchedulerLock
from rules import RULES

log = logging.getLogger("nianbao.service")

_JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def build_scheduler(deployment: Deployment) -> BlockingScheduler:
    """A scheduler with every job of every county, persisted in the deployment's database. With workers
    (``tasks.engine: procrastinate``) the jobs only queue the work (:mod:`monitor.tasks`)."""
    scheduler = BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(url=deployment.database.url, tablename="apscheduler_jobs"),
            "local": MemoryJobStore(),  # this instance's own jobs (the scheduler lock's check), never shared
        },
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults=_JOB_DEFAULTS,
        timezone=deployment.timezone,
    )
    wanted: set[str] = set()
    for county, app in deployment.apps.items():
        wanted |= _add_county_jobs(scheduler, app, prefix=f"{county}/" if deployment.several else "")
    # Jobs of portals (and counties) no longer configured must not linger in the job store.
    for job in list(scheduler.get_jobs()):
        if job.id not in wanted:
            scheduler.remove_job(job.id)
    return scheduler


def _add_county_jobs(scheduler: BlockingScheduler, app: App, prefix: str) -> set[str]:
    """Add one county's jobs (ids prefixed in a deployment of several); the ids added."""
    file = app.config_file
    schedule = app.config.schedule
    queued = app.engine == "procrastinate"
    poll: Callable[..., Any] = tasks.scheduled_poll if queued else jobs.poll_portal
    where = f"{app.config.county_name} " if prefix else ""
    ids: set[str] = set()

    def add(func: Callable[..., Any], trigger: Any, args: list[Any], job_id: str, name: str, **extra: Any) -> None:
        scheduler.add_job(func, trigger, args=args, id=prefix + job_id, name=where + name, replace_existing=True, **extra)
        ids.add(prefix + job_id)

    for portal in app.config.portals:
        add(poll, IntervalTrigger(seconds=portal.poll_interval), [file, portal.id], f"poll:{portal.id}", f"抓取 {portal.name}",
            next_run_time=app.clock.now())  # fmt: skip
    process = tasks.scheduled_checks if queued else jobs.process_pending
    add(process, IntervalTrigger(seconds=schedule.process_interval), [file], "process", "检查新文档")
    send = tasks.scheduled_dispatch if queued else jobs.dispatch
    add(send, IntervalTrigger(seconds=schedule.dispatch_interval), [file], "dispatch", "发送通知")
    hour, minute = schedule.deadline_sweep.split(":")
    sweep = tasks.scheduled_deadlines if queued else jobs.deadline_sweep
    add(sweep, CronTrigger(hour=int(hour), minute=int(minute)), [file], "deadlines", "期限检查")
    hour, minute = schedule.digest_time.split(":")
    digest = tasks.scheduled_digest if queued else jobs.weekly_digest
    add(digest, CronTrigger(day_of_week=schedule.digest_day, hour=int(hour), minute=int(minute)), [file], "digest", "每周汇总")
    return ids


def describe(app: App, out: TextIO) -> None:
    """Log what is enabled: portals, bodies, rules, notification targets."""
    config = app.config
    log.info("nianbao 服务启动：%s，数据库 %s", config.county_name, app.store.db.url.split("@")[-1].split("?")[0])
    for portal in config.portals:
        log.info(
            "门户网站 %s（%s）：每 %d 秒抓取，栏目 %s", portal.id, portal.name, portal.poll_interval, ", ".join(portal.start_urls)
        )
    log.info("单位 %d 个：%s", len(config.bodies), "、".join(b.name for b in config.bodies))
    log.info("规则 %d 条：%s", len(RULES), " ".join(r.id for r in RULES))
    targets = [t.tag for t in config.notifications.targets]
    log.info("通知目标：%s", "、".join(targets) if targets else "未配置（写入本地文件 var/notifications/）")


def serve(config_file: str | None, out: TextIO = sys.stdout) -> int:
    """Run the service until SIGTERM or SIGINT: the dashboard at once, the scheduler while this instance holds
    the scheduler lock (waiting for it, and taking over, when another instance holds it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    deployment = Deployment.load(config_file)
    for app in deployment.apps.values():
        jobs.register(app)
        describe(app, out)
    if deployment.engine == "procrastinate":
        tasks.ensure_schema(deployment.database)
        log.info("工作由 nianbao worker 进程完成（procrastinate）：本服务只负责调度和网页界面")
    lock = SchedulerLock(deployment.database.url)
    running: list[BlockingScheduler] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("收到信号 %d：完成当前工作后退出", signum)
        jobs.STOP.set()
        for scheduler in running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dashboard = None
    if deployment.dashboard.enabled:
        dashboard = start_server(deployment, deployment.dashboard.host, deployment.dashboard.port)
        log.info("网页界面：%s", dashboard.url)
    waiting_said = False
    try:
        while not jobs.STOP.is_set():
            if not lock.acquire():
                if not waiting_said:
                    log.info("另一个实例正在调度：本实例只提供网页界面，每 %.0f 秒尝试接替", RETRY_SECONDS)
                    waiting_said = True
                jobs.STOP.wait(RETRY_SECONDS)
                continue
            log.info("取得调度锁：本实例负责定时抓取、检查和通知")
            waiting_said = False
            _schedule(deployment, lock, running)
            if not jobs.STOP.is_set():
                log.warning("失去调度锁：停止调度，等待重新取得")
    finally:
        lock.release()
        if dashboard is not None:
            dashboard.stop()
        jobs.close_apps()
        deployment.close()
    log.info("nianbao 服务已停止")
    return 0


def _schedule(deployment: Deployment, lock: SchedulerLock, running: list[BlockingScheduler]) -> None:
    """Run the scheduler until the service stops or the scheduler lock is lost."""
    scheduler = build_scheduler(deployment)

    def check_lock() -> None:
        if not lock.held():
            scheduler.shutdown(wait=False)

    scheduler.add_job(check_lock, IntervalTrigger(seconds=RETRY_SECONDS), id="scheduler-lock", jobstore="local")
    running.append(scheduler)
    # While this instance schedules, its crawl children are forked warm (Scrapy already imported) by a zygote that
    # lives, and dies, with it (crawler/zygote.py). With workers, the workers crawl.
    if deployment.engine == "inprocess":
        zygote.start()
    try:
        if not jobs.STOP.is_set():
            scheduler.start()
    finally:
        running.remove(scheduler)
        # shutdown(wait=False) returns at once; the pool still waits for the running job before the process ends.
        if scheduler.running:
            scheduler.shutdown(wait=True)
        zygote.stop()


def run_once(config_file: str | None, out: TextIO) -> int:
    """One full cycle now, in this process, for every county: poll every portal, check, sweep deadlines, send."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    deployment = Deployment.load(config_file)
    try:
        for app in deployment.apps.values():
            app.engine = "inprocess"  # this command does the work itself, whatever the deployment's engine
            jobs.register(app)
            for portal in app.config.portals:
                jobs.poll_portal(app.config_file, portal.id)
            jobs.process_pending(app.config_file)
            jobs.deadline_sweep(app.config_file)
            jobs.dispatch(app.config_file)
    finally:
        jobs.close_apps()
        deployment.close()
    out.write("完成一轮抓取、检查和通知。\n")
    return 0
