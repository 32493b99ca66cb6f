"""The service's jobs: module-level functions (APScheduler persists them by reference) doing one unit each.

Each job opens the monitor from the configuration file, does its work in stored hand-offs, and returns. A
job killed half-way loses nothing: the next run picks up what is still pending.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crawler.run import crawl_portal
from monitor.app import App
from monitor.store.findings import expire_mutes
from monitor.store.outbox import add_drafts
from notifications.digest import build_digest, queue_digest, save_digest
from notifications.dispatch import dispatch_once
from notifications.policy import periodic_drafts

log = logging.getLogger("nianbao.jobs")

#: Set when the service is asked to stop: long jobs stop between units of work.
STOP = threading.Event()

_apps: dict[str, App] = {}
_lock = threading.Lock()
# Checking runs in one thread at a time: the crawl job and the process job both call it, and PDFium (PDF
# reading) is not thread-safe.
_processing = threading.Lock()


@contextmanager
def processing() -> Iterator[None]:
    """Hold the process's checking lock (one check at a time per process: PDFium is not thread-safe)."""
    with _processing:
        yield


def app_for(config_file: str) -> App:
    """The service's App for a configuration file (opened once per process)."""
    with _lock:
        if config_file not in _apps:
            _apps[config_file] = App.load(config_file)
        return _apps[config_file]


def register(app: App) -> None:
    """Make ``app`` the one the jobs use for its configuration file (the service opens it once)."""
    with _lock:
        _apps[app.config_file] = app


def close_apps() -> None:
    """Close every App this process opened."""
    with _lock:
        for app in _apps.values():
            app.close()
        _apps.clear()


def poll_portal(config_file: str, portal_id: str) -> dict[str, Any]:
    """Crawl one portal in a child process with its time limit, tell the county office when the portal's columns
    cannot be read (a crawl problem), then check what it fetched."""
    app = app_for(config_file)
    portal = app.config.portal(portal_id)
    summary = crawl_portal(
        app.config_file, portal_id, app.store.db.url, str(app.store.blobs.root), time_limit=portal.time_limit, clock=app.clock
    )
    log.info("crawl %s: %s", portal_id, summary)
    if app.queue_crawl_problem(portal_id):
        log.warning("crawl %s failed (%s): crawl-problem notice queued for the county office", portal_id, summary.finish_reason)
    if not STOP.is_set() and app.engine == "inprocess":  # with workers, each fetched version queued its check
        process_pending(config_file)
        app.queue_county_summary()
    return summary if isinstance(summary, dict) else getattr(summary, "__dict__", {})


def process_pending(config_file: str) -> None:
    """Check fetched document versions, a batch at a time, until none is pending or the service stops; first, when
    the rules changed since the stored findings were made, re-check what is stored; last, the dead links."""
    app = app_for(config_file)
    with _processing:
        rechecked = app.recheck_if_rules_changed()
        if rechecked is not None:
            log.info("re-checked %d, opened %d, resolved %d", rechecked.checked, rechecked.opened, rechecked.resolved)
        _process_until_done(app)
        app.reconcile_unreachable()


def _process_until_done(app: App) -> None:
    while not STOP.is_set():
        stats = app.process(limit=20)
        if stats.checked or stats.unreadable:
            log.info(
                "checked %d, unreadable %d, opened %d, resolved %d", stats.checked, stats.unreadable, stats.opened, stats.resolved
            )
        if stats.checked + stats.unreadable == 0:
            return


def deadline_sweep(config_file: str) -> None:
    """Reminders and missing reports; expired mutes reopen; repeats and escalations are queued."""
    app = app_for(config_file)
    stats = app.sweep()
    log.info(
        "deadline sweep: %d reminders, %d missing, %d skipped (portal failing)",
        len(stats.reminders),
        len(stats.missing),
        len(stats.skipped),
    )
    now = app.clock.now()
    with app.store.db.transaction() as session:
        expire_mutes(session, now)
        add_drafts(session, periodic_drafts(session, app.config, now), now)


def dispatch(config_file: str) -> None:
    """Send what is due in the outbox."""
    app = app_for(config_file)
    stats = dispatch_once(app.store.db, app.config, app.clock.now(), base=app.base)
    log.debug("dispatch: %s", stats)


def weekly_digest(config_file: str) -> None:
    """Build, save and queue the county office's digest of the last complete week."""
    app = app_for(config_file)
    now = app.clock.now()
    digest = build_digest(app.store.db, app.config, None, now)
    save_digest(digest, app.config, base=app.base)
    queue_digest(app.store.db, digest, now)
