"""Run one portal crawl in a child process with a hard time limit, and read back what it did.

Twisted's reactor cannot be restarted, so a long-running service crawls each portal in a process of its own:
:func:`crawl_portal` registers the run, starts ``python -m crawler.main`` in a new process group, kills the group
when the time limit passes (the run is then recorded as failed with reason "time limit"), and returns the numbers
of the ``crawl_runs`` row. This module does not import Scrapy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import crawler
from crawler.job import CrawlJob
from crawler.settings import soft_time_limit
from monitor.clock import Clock
from monitor.config import Config, load_config
from monitor.store import Store

TIME_LIMIT = "time limit"
_LOG_TAIL = 2000
_JOB_FOLDER_PREFIX = "nianbao-crawl-"  # a crawl's temporary folder: job file, the child's log by default
_PARENT_FILE = "parent.pid"  # in it: the process that runs the crawl and removes the folder afterwards


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl did, as recorded in its ``crawl_runs`` row."""

    run_id: int
    portal_id: str
    status: str  # finished | failed
    finish_reason: str | None
    requests: int
    responses_304: int
    bytes: int
    pages: int
    new_documents: int
    changed_documents: int
    errors: tuple[dict[str, Any], ...]
    seconds: float

    @property
    def failed(self) -> bool:
        """True when the run failed (a crawl problem, not silence of the bodies)."""
        return self.status != "finished"


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def default_cache_dir(blobs_dir: str | Path) -> Path:
    """The HTTP cache beside the blob folder: ``var/blobs`` → ``var/httpcache``."""
    return _absolute(blobs_dir).parent / "httpcache"


def crawl_portal(
    config: str | Path | Config,
    portal_id: str,
    database_url: str,
    blobs_dir: str | Path,
    *,
    time_limit: float | None = None,
    cache_dir: str | Path | None = None,
    log_path: str | Path | None = None,
    log_level: str = "INFO",
    clock: Clock | None = None,
) -> CrawlSummary:
    """Crawl the portal ``portal_id`` of ``config`` (a path or a loaded :class:`Config`) in a child process.

    Documents go to the store at ``database_url`` (migrated to the latest revision first) and ``blobs_dir``; the
    HTTP cache of column pages to ``cache_dir`` (default: ``httpcache`` beside the blob folder). ``time_limit``
    (seconds; default the portal's ``time_limit``) is enforced by killing the child's process group. The child's
    log goes to ``log_path`` when given; on a crash its last lines are kept in the run's errors. The times the
    crawl records follow ``clock`` (default: the machine's), moving on from its time as the crawl runs.
    """
    loaded = config if isinstance(config, Config) else load_config(config)
    portals = {p.id: p for p in loaded.portals}
    if portal_id not in portals:
        raise KeyError(f"{portal_id!r} is not a portal id (known: {', '.join(sorted(portals)) or 'none configured'})")
    portal = portals[portal_id]
    limit = float(time_limit if time_limit is not None else portal.time_limit)
    blobs = _absolute(blobs_dir)
    cache = _absolute(cache_dir) if cache_dir is not None else default_cache_dir(blobs)
    store = Store.open(database_url, blobs)
    try:
        store.db.upgrade("heads")
        store.crawl.sync(loaded)
        started_at = clock.now() if clock is not None else datetime.now(UTC)
        offset = (started_at - datetime.now(UTC)).total_seconds() if clock is not None else 0.0
        run_id = store.crawl.start_run(portal_id, started_at)
        job = CrawlJob(
            run_id=run_id,
            portal=portal,
            bodies=tuple(b for b in loaded.bodies if b.portal == portal_id),
            timezone=loaded.timezone,
            database_url=store.db.url,
            blobs_dir=str(blobs),
            cache_dir=str(cache),
            time_limit=soft_time_limit(limit),
            log_level=log_level,
            clock_offset=offset,
        )
        started = time.monotonic()
        ended, tail = _run_child(job, limit, Path(log_path) if log_path else None)
        now = job.now()
        if ended == "killed":
            store.crawl.abandon_run(run_id, now, TIME_LIMIT)
        elif ended != "0":
            store.crawl.abandon_run(run_id, now, f"crawler exited with status {ended}: {tail[-150:]}".strip())
        else:
            store.crawl.abandon_run(run_id, now, "crawler ended without recording the run")
        record = store.crawl.run(run_id)
        return CrawlSummary(
            run_id=record.id,
            portal_id=record.portal_id,
            status=record.status,
            finish_reason=record.finish_reason,
            requests=record.requests,
            responses_304=record.responses_304,
            bytes=record.bytes,
            pages=record.pages,
            new_documents=record.new_documents,
            changed_documents=record.changed_documents,
            errors=record.errors,
            seconds=round(time.monotonic() - started, 3),
        )
    finally:
        store.close()


def _child_environment() -> dict[str, str]:
    """The child imports this very copy of nianbao, installed or not."""
    env = dict(os.environ)
    source = str(Path(crawler.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env["NIANBAO_PARENT_PID"] = str(os.getpid())
    return env


def _run_child(job: CrawlJob, limit: float, log_path: Path | None) -> tuple[str, str]:
    """Run the child; ("0" | exit status | "killed", last lines of its log)."""
    _remove_orphaned_folders()
    with tempfile.TemporaryDirectory(prefix=_JOB_FOLDER_PREFIX) as folder:
        (Path(folder) / _PARENT_FILE).write_text(str(os.getpid()), encoding="ascii")
        job_file = Path(folder) / "job.json"
        job_file.write_text(job.to_json(), encoding="utf-8")
        log_file = log_path or Path(folder) / "crawl.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "ab") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "crawler.main", "--job", str(job_file)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_environment(),
                start_new_session=True,  # its own process group: killing it reaches everything it started
            )
            try:
                status = str(child.wait(timeout=limit))
            except subprocess.TimeoutExpired:
                _kill_group(child)
                status = "killed"
        return status, _tail(log_file)


def _remove_orphaned_folders() -> None:
    """Remove the job folders of crawls whose parent died without removing them: a service killed with SIGKILL
    never runs its cleanup (one folder per kill). A folder whose parent is alive is another crawl's, running."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_JOB_FOLDER_PREFIX}*"):
        try:
            parent = int((folder / _PARENT_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            continue  # alive, another user's


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, path.stat().st_size - _LOG_TAIL))
            return stream.read().decode("utf-8", "replace")
    except OSError:
        return ""


def with_time_limit(config: Config, portal_id: str, seconds: int) -> Config:
    """``config`` with one portal's time limit changed (handy for tests and demos)."""
    portals = tuple(replace(p, time_limit=seconds) if p.id == portal_id else p for p in config.portals)
    return replace(config, portals=portals)
