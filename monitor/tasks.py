"""The service's work as procrastinate tasks, run by ``nianbao worker`` processes on any number of hosts.

With ``tasks.engine: procrastinate`` (PostgreSQL only) the scheduling service (``nianbao serve``, one instance at a
time, see :mod:`monitor.store.scheduler_lock`) only queues work; workers do it:

- ``crawl`` queue: a poll of one portal (lock per portal: never two crawls of it at once). The crawl queues the
  check of each version it fetches in the version's own transaction (:mod:`monitor.store.queue`).
- ``check`` and ``ocr`` queues: the check of a county's pending versions, text documents and scans apart, so that
  OCR has workers (and a concurrency) of its own. Every check task of a county holds the county's lock: its
  findings are reconciled by one task at a time, as the single process did. A task checks a batch and queues
  itself again behind the other counties' tasks: a county's January flood cannot starve the others.
- ``notify`` queue: dispatch of the outbox, the deadline sweep and the weekly digest of each county.

A worker killed mid-task (kill -9, a lost machine) leaves its job ``doing``; once its heartbeat is older than
:data:`STALLED_SECONDS` another worker puts the job back (the periodic ``nianbao.retry_stalled``). Nothing is lost
or doubled: a check commits its findings and the notifications they call for together with the version's new state,
so a check cut short left nothing, and the outbox sends each notification once (its keys and delivery marks).

This module is the one place that imports procrastinate.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import procrastinate
from procrastinate import RetryStrategy
from sqlalchemy import make_url

from documents import OCR_THREADS_ENV
from monitor import jobs
from monitor.deployment import Deployment
from monitor.store.db import Database
from monitor.store.queue import BEFORE_POLLS, CHECK_QUEUE, CHECK_TASK, CRAWL_QUEUE, NOTIFY_QUEUE, OCR_QUEUE, defer, defer_check
from monitor.store.registry import pending_versions

log = logging.getLogger("nianbao.tasks")

#: A worker whose heartbeat is older than this (seconds) is gone: its running jobs are put back.
STALLED_SECONDS = 30.0
HEARTBEAT_SECONDS = 5.0
#: How often an idle worker looks for jobs besides being told of new ones (a check waiting for its county's lock
#: is not announced when the lock frees).
POLL_SECONDS = 1.0
#: Versions one check task takes before it queues itself again (behind the other counties).
CHECK_BATCH = 20
POLL_TASK, DISPATCH_TASK, DEADLINES_TASK, DIGEST_TASK = "nianbao.poll", "nianbao.dispatch", "nianbao.deadlines", "nianbao.digest"

tasks = procrastinate.App(connector=procrastinate.PsycopgConnector())
_deployment: Deployment | None = None
_retry = RetryStrategy(max_attempts=5, wait=30)


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (the deployment's own schema)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{url.rsplit('@', maxsplit=1)[-1]}: procrastinate needs PostgreSQL")
    return parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)


def ensure_schema(database: Database) -> None:
    """Install procrastinate's tables and functions in the deployment's database once (idempotent)."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7400230401)")  # two starting processes: one installs
        connection.exec_driver_sql("SET LOCAL search_path = public")  # a county's database has its schema first
        if connection.exec_driver_sql("SELECT to_regclass('public.procrastinate_jobs')").scalar() is not None:
            return
        # The driver's own execute: the schema is many statements, with '%' signs that are not placeholders.
        connection.connection.driver_connection.execute(procrastinate.schema.SchemaManager.get_schema())  # type: ignore[union-attr]


def _app(county: str) -> Any:
    if _deployment is None:
        raise RuntimeError("no deployment loaded: tasks run inside `nianbao worker`")
    return _deployment.app(county)


@tasks.task(name=POLL_TASK, queue=CRAWL_QUEUE, retry=RetryStrategy(max_attempts=2, wait=60))
def poll(county: str, portal: str) -> None:
    """Crawl one portal (its fetched versions queue their checks themselves)."""
    jobs.poll_portal(_app(county).config_file, portal)


@tasks.task(name=CHECK_TASK, queue=CHECK_QUEUE, retry=_retry)
def check(county: str, queue: str = CHECK_QUEUE) -> None:
    """Check a batch of the county's pending versions of ``queue``; queue the rest behind the other counties."""
    app = _app(county)
    with jobs.processing():
        rechecked = app.recheck_if_rules_changed()
        if rechecked is not None:
            log.info("%s: re-checked %d after a rules change", county, rechecked.checked)
        stats = app.process(limit=CHECK_BATCH, ocr=queue == OCR_QUEUE)
    log.info("%s %s: checked %d, unreadable %d, opened %d, resolved %d", county, queue, stats.checked, stats.unreadable,
             stats.opened, stats.resolved)  # fmt: skip
    if stats.checked + stats.unreadable >= CHECK_BATCH:
        with app.store.db.transaction() as session:
            defer_check(session, county, queue)
        return
    with jobs.processing():
        app.reconcile_unreachable()
    app.queue_county_summary()


@tasks.task(name=DISPATCH_TASK, queue=NOTIFY_QUEUE, retry=_retry)
def dispatch(county: str) -> None:
    """Send what is due in the county's outbox."""
    jobs.dispatch(_app(county).config_file)


@tasks.task(name=DEADLINES_TASK, queue=NOTIFY_QUEUE, retry=_retry)
def deadlines(county: str) -> None:
    """The county's deadline sweep."""
    jobs.deadline_sweep(_app(county).config_file)


@tasks.task(name=DIGEST_TASK, queue=NOTIFY_QUEUE, retry=_retry)
def digest(county: str) -> None:
    """The county office's weekly digest."""
    jobs.weekly_digest(_app(county).config_file)


@tasks.periodic(cron="* * * * * */10")
@tasks.task(name="nianbao.retry_stalled", queue=NOTIFY_QUEUE, queueing_lock="retry_stalled", pass_context=True)
async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
    """Put back the jobs of workers that stopped sending heartbeats (killed, or their machine lost)."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
        log.warning("任务 %s（%s）所在的工作进程已失去联系：重新排队", job.id, job.task_name)
        await manager.retry_job(job)


#: Finished jobs are kept this long (hours) for inspection, then deleted (failed ones too, after a week).
KEEP_FINISHED_HOURS, KEEP_FAILED_HOURS = 72, 7 * 24


@tasks.periodic(cron="17 * * * *")
@tasks.task(name="nianbao.remove_finished", queue=NOTIFY_QUEUE, queueing_lock="remove_finished", pass_context=True)
async def remove_finished(context: procrastinate.JobContext, timestamp: int) -> None:
    """Delete finished jobs older than :data:`KEEP_FINISHED_HOURS` (the queue must not grow by the day)."""
    manager = context.app.job_manager
    await manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS)
    await manager.delete_old_jobs(nb_hours=KEEP_FAILED_HOURS, include_failed=True, include_cancelled=True, include_aborted=True)


def queue_job(app: Any, task: str, **args: Any) -> bool:
    """From the scheduling service: queue one unit of a county's work, unless the same one is already waiting."""
    county = app.county
    queue, lock = {
        POLL_TASK: (CRAWL_QUEUE, f"poll:{county}:{args.get('portal')}"),
        DISPATCH_TASK: (NOTIFY_QUEUE, f"dispatch:{county}"),
        DEADLINES_TASK: (NOTIFY_QUEUE, f"deadlines:{county}"),
        DIGEST_TASK: (NOTIFY_QUEUE, f"digest:{county}"),
    }[task]
    priority = 0 if task == POLL_TASK else BEFORE_POLLS
    with app.store.db.transaction() as session:
        return defer(session, task, queue, {"county": county, **args}, lock=lock, queueing_lock=lock, priority=priority)


def queue_checks(app: Any) -> None:
    """From the scheduling service: make sure the county's pending versions have their check queued (a safety net
    for versions stored before the workers, or left by a check that stopped early)."""
    with app.store.db.transaction() as session:
        for ocr, queue in ((False, CHECK_QUEUE), (True, OCR_QUEUE)):
            if pending_versions(session, 1, ocr=ocr):
                defer_check(session, app.county, queue)


def run_worker(
    config_file: str | None, queues: Sequence[str], concurrency: int, name: str | None = None, ocr_threads: int = 1
) -> int:
    """Run a worker until SIGTERM/SIGINT: take jobs of ``queues`` for every county of the deployment, OCR with
    ``ocr_threads`` threads (one by default: more workers, not more threads, use more cores)."""
    os.environ[OCR_THREADS_ENV] = str(ocr_threads)  # read when the OCR engine loads, at the first scan
    global _deployment  # noqa: PLW0603  (the worker's one deployment, read by the tasks)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    deployment = Deployment.load(config_file)
    if deployment.engine != "procrastinate":
        deployment.close()
        raise ValueError(f"{deployment.config_file}: tasks.engine 不是 procrastinate：工作进程无事可做（服务自己完成全部工作）")
    ensure_schema(deployment.database)
    _deployment = deployment
    for county_app in deployment.apps.values():
        jobs.register(county_app)
    worker_name = name or f"nianbao-{os.uname().nodename}-{os.getpid()}"
    log.info("工作进程 %s：%d 个县，队列 %s，并发 %d", worker_name, len(deployment.apps), ",".join(queues), concurrency)
    try:
        with tasks.replace_connector(procrastinate.PsycopgConnector(conninfo=conninfo(deployment.database.url))) as engine:
            engine.run_worker(
                queues=list(queues), concurrency=concurrency, name=worker_name, update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_SECONDS, install_signal_handlers=True, wait=True,
                fetch_job_polling_interval=POLL_SECONDS,
            )  # fmt: skip
    finally:
        jobs.STOP.set()
        jobs.close_apps()
        _deployment = None
    log.info("工作进程 %s 已停止", worker_name)
    return 0


# What the scheduling service's jobs call with workers: module-level functions (APScheduler stores them by
# reference) that only queue the work, each given the county's configuration file like the in-process jobs.


def scheduled_poll(config_file: str, portal_id: str) -> None:
    """Queue a poll of one portal."""
    queue_job(jobs.app_for(config_file), POLL_TASK, portal=portal_id)


def scheduled_checks(config_file: str) -> None:
    """Make sure the county's pending versions have their checks queued."""
    queue_checks(jobs.app_for(config_file))


def scheduled_dispatch(config_file: str) -> None:
    """Queue the dispatch of the county's outbox."""
    queue_job(jobs.app_for(config_file), DISPATCH_TASK)


def scheduled_deadlines(config_file: str) -> None:
    """Queue the county's deadline sweep."""
    queue_job(jobs.app_for(config_file), DEADLINES_TASK)


def scheduled_digest(config_file: str) -> None:
    """Queue the county's weekly digest."""
    queue_job(jobs.app_for(config_file), DIGEST_TASK)
