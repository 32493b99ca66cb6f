"""Hand-offs to the task engine written in the caller's transaction.

With ``tasks.engine: procrastinate`` the work of a county (checking what a crawl fetched, OCR of scans) is done
by ``nianbao worker`` processes. The row that needs the work and the job that does it are committed together:
this module inserts procrastinate's job with its SQL function (``procrastinate_defer_jobs_v1``, in the
deployment's ``public`` schema, on a county's search path) in the same transaction, so a hand-off can neither be
lost (the row without its job) nor doubled (a second job while one waits: procrastinate's queueing lock).
The Python side of procrastinate (tasks, workers) is :mod:`monitor.tasks`; this is its only other contact.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.store.settings import COUNTY_ID, TASK_ENGINE, get_setting

#: Queues: crawls, checks of text documents, OCR of scans, notifications and periodic work.
CRAWL_QUEUE, CHECK_QUEUE, OCR_QUEUE, NOTIFY_QUEUE = "crawl", "check", "ocr", "notify"
QUEUES = (CRAWL_QUEUE, CHECK_QUEUE, OCR_QUEUE, NOTIFY_QUEUE)
#: The task that checks a county's pending versions (of one queue); see :mod:`monitor.tasks`.
CHECK_TASK = "nianbao.check"
#: Checks and notifications go before the polls waiting for a worker: what a crawl fetched reaches its body first
#: (at the peak, workers taking jobs in order would check and send nothing until every queued portal was crawled).
BEFORE_POLLS = 1

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, :queueing_lock, "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"
)


def defer(
    session: Session, task: str, queue: str, args: dict[str, Any], *, lock: str | None = None,
    queueing_lock: str | None = None, priority: int = 0,
) -> bool:  # fmt: skip
    """Queue ``task`` with ``args`` in the session's transaction. False when a job with the same queueing lock is
    already waiting (it will do the same work, and sees this transaction's rows once both are committed)."""
    nested = session.begin_nested()
    try:
        session.execute(
            _DEFER,
            {"queue": queue, "task": task, "priority": priority, "lock": lock, "queueing_lock": queueing_lock,
             "args": json.dumps(args)},
        )  # fmt: skip
    except IntegrityError:  # the queueing lock's unique index: one is waiting already
        nested.rollback()
        return False
    nested.commit()
    return True


def check_lock(county: str) -> str:
    """The lock shared by every check and OCR task of a county: its findings are reconciled by one at a time."""
    return f"check:{county}"


def defer_check(session: Session, county: str, queue: str = CHECK_QUEUE) -> bool:
    """Queue the check of ``county``'s pending versions of ``queue`` (``check`` or ``ocr``), once."""
    return defer(
        session, CHECK_TASK, queue, {"county": county, "queue": queue}, lock=check_lock(county),
        queueing_lock=f"{queue}:{county}", priority=BEFORE_POLLS,
    )  # fmt: skip


def workers_check(session: Session) -> str | None:
    """The county id when this store's checks are done by workers (engine procrastinate), else None."""
    if get_setting(session, TASK_ENGINE) != "procrastinate":
        return None
    return get_setting(session, COUNTY_ID)
