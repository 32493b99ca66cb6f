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
from types import FrameType
from typing import TextIO

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler import zygote
from monitor import jobs
from monitor.app import App
from monitor.dashboard import start_server
from monitor.store.scheduler_lock import RETRY_SECONDS, SchedulerLock
from rules import RULES

log = logging.getLogger("nianbao.service")

_JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def build_scheduler(app: App) -> BlockingScheduler:
    """A scheduler with every job of the configuration, persisted in the monitor's database."""
    scheduler = BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(url=app.store.db.url, tablename="apscheduler_jobs"),
            "local": MemoryJobStore(),  # this instance's own jobs (the scheduler lock's check), never shared
        },
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults=_JOB_DEFAULTS,
        timezone=app.config.timezone,
    )
    file = app.config_file
    schedule = app.config.schedule
    for portal in app.config.portals:
        scheduler.add_job(
            jobs.poll_portal, IntervalTrigger(seconds=portal.poll_interval), args=[file, portal.id], id=f"poll:{portal.id}",
            name=f"抓取 {portal.name}", replace_existing=True, next_run_time=app.clock.now(),
        )  # fmt: skip
    scheduler.add_job(
        jobs.process_pending,
        IntervalTrigger(seconds=schedule.process_interval),
        args=[file],
        id="process",
        name="检查新文档",
        replace_existing=True,
    )
    scheduler.add_job(
        jobs.dispatch,
        IntervalTrigger(seconds=schedule.dispatch_interval),
        args=[file],
        id="dispatch",
        name="发送通知",
        replace_existing=True,
    )
    hour, minute = schedule.deadline_sweep.split(":")
    scheduler.add_job(
        jobs.deadline_sweep,
        CronTrigger(hour=int(hour), minute=int(minute)),
        args=[file],
        id="deadlines",
        name="期限检查",
        replace_existing=True,
    )
    hour, minute = schedule.digest_time.split(":")
    scheduler.add_job(
        jobs.weekly_digest, CronTrigger(day_of_week=schedule.digest_day, hour=int(hour), minute=int(minute)),
        args=[file], id="digest", name="每周汇总", replace_existing=True,
    )  # fmt: skip
    # Jobs of portals no longer configured must not linger in the job store.
    wanted = {f"poll:{p.id}" for p in app.config.portals} | {"process", "dispatch", "deadlines", "digest"}
    for job in list(scheduler.get_jobs()):
        if job.id not in wanted:
            scheduler.remove_job(job.id)
    return scheduler


def describe(app: App, out: TextIO) -> None:
    """Log what is enabled: portals, bodies, rules, notification targets."""
    config = app.config
    log.info("nianbao 服务启动：%s，数据库 %s", config.county_name, app.store.db.url.split("@")[-1])
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
    app = App.load(config_file)
    jobs.register(app)
    describe(app, out)
    lock = SchedulerLock(app.store.db.url)
    running: list[BlockingScheduler] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("收到信号 %d：完成当前工作后退出", signum)
        jobs.STOP.set()
        for scheduler in running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dashboard = None
    if app.config.dashboard.enabled:
        dashboard = start_server(app, app.config.dashboard.host, app.config.dashboard.port)
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
            _schedule(app, lock, running)
            if not jobs.STOP.is_set():
                log.warning("失去调度锁：停止调度，等待重新取得")
    finally:
        lock.release()
        if dashboard is not None:
            dashboard.stop()
        jobs.close_apps()
    log.info("nianbao 服务已停止")
    return 0


def _schedule(app: App, lock: SchedulerLock, running: list[BlockingScheduler]) -> None:
    """Run the scheduler until the service stops or the scheduler lock is lost."""
    scheduler = build_scheduler(app)

    def check_lock() -> None:
        if not lock.held():
            scheduler.shutdown(wait=False)

    scheduler.add_job(check_lock, IntervalTrigger(seconds=RETRY_SECONDS), id="scheduler-lock", jobstore="local")
    running.append(scheduler)
    # While this instance schedules, its crawl children are forked warm (Scrapy already imported) by a zygote that
    # lives, and dies, with it (crawler/zygote.py).
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
    """One full cycle now: poll every portal, check, sweep deadlines, send."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app = App.load(config_file)
    jobs.register(app)
    try:
        for portal in app.config.portals:
            jobs.poll_portal(app.config_file, portal.id)
        jobs.process_pending(app.config_file)
        jobs.deadline_sweep(app.config_file)
        jobs.dispatch(app.config_file)
    finally:
        jobs.close_apps()
    out.write("完成一轮抓取、检查和通知。\n")
    return 0
