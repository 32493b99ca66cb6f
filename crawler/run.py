"""Run one portal crawl in a child process with a hard time limit, and read back what it did.

Twisted's reactor cannot be restarted, so a long-running service crawls each portal in a process of its own:
:func:`crawl_portal` registers the run, starts ``python -m crawler.main`` in a new process group, kills the group
when the time limit passes (the run is then recorded as failed with reason "time limit"), and returns the numbers
of the ``crawl_runs`` row. The child closes itself before that, early enough to wait for its downloads in flight and
record its counters (:func:`crawler.settings.crawl_deadlines`); the kill is for a child that does not.
When this process runs a zygote (:mod:`crawler.zygote`, started by ``nianbao serve``), the child is forked by it,
Scrapy already imported, with the same guarantees (its own process group, its output through this process, the
crawl's environment); otherwise, or when the zygote cannot be had, it is started cold. This module does not
import Scrapy.

The child's log (Scrapy's log, and anything else it prints) is kept: by default in the data folder, the parent of
the blob folder, as ``logs/crawl-<portal>-<run id>.log``, named in the run's ``log_path``. Everything the child
writes passes through this process, which bounds each log to :data:`LOG_MAX_BYTES`: the first part is written as
it comes; once that is full, only the last :data:`LOG_END_BYTES` are kept, written at the end after a line saying
how many bytes were cut (a crawl's start and how it ended both survive). After each crawl only the newest
:data:`LOGS_KEPT` default logs of the portal are kept.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

import crawler
from crawler import zygote
from crawler.job import CrawlJob
from crawler.settings import crawl_deadlines
from crawler.zygote import Child, ColdChild
from monitor.clock import Clock
from monitor.config import Config, load_config
from monitor.store import Store

TIME_LIMIT = "time limit"
#: The most one crawl's log keeps (bytes), of which :data:`LOG_END_BYTES` are its end.
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_END_BYTES = 1024 * 1024
#: Default logs kept per portal; the oldest beyond this are deleted after each crawl.
LOGS_KEPT = 50
_LOG_TAIL = 2000
_PUMP_GRACE = 10.0  # seconds to wait for the rest of the child's output once it has ended
_JOB_FOLDER_PREFIX = "nianbao-crawl-"  # a crawl's temporary folder: the job file
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
    unreachable_documents: int = 0  # listed documents not fetched: failed in this run, or waiting out a back-off
    log_path: str | None = None
    column_counts: dict[str, int] | None = None  # report entries listed under each configured column reached
    system: str | None = None  # the portal system (preset) the crawl read the portal with
    start: str = "cold"  # how the crawl child started: "warm" (forked by the zygote) or "cold"

    @property
    def failed(self) -> bool:
        """True when the run failed (a crawl problem, not silence of the bodies)."""
        return self.status != "finished"


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def default_cache_dir(blobs_dir: str | Path) -> Path:
    """The HTTP cache beside the blob folder: ``var/blobs`` → ``var/httpcache``."""
    return _absolute(blobs_dir).parent / "httpcache"


def default_log_dir(blobs_dir: str | Path) -> Path:
    """The crawl logs beside the blob folder: ``var/blobs`` → ``var/logs``."""
    return _absolute(blobs_dir).parent / "logs"


def default_log_path(blobs_dir: str | Path, portal_id: str, run_id: int) -> Path:
    """Where the log of crawl run ``run_id`` of ``portal_id`` is kept by default."""
    return default_log_dir(blobs_dir) / f"crawl-{portal_id}-{run_id}.log"


def prune_logs(folder: str | Path, portal_id: str, keep: int = LOGS_KEPT) -> list[Path]:
    """Delete all but the newest ``keep`` (at least one) default logs of ``portal_id`` in ``folder``; returns
    those deleted. Other files are left alone."""
    name = re.compile(rf"crawl-{re.escape(portal_id)}-(\d+)\.log")
    found: list[tuple[float, int, Path]] = []
    for path in Path(folder).glob(f"crawl-{glob.escape(portal_id)}-*.log"):
        matched = name.fullmatch(path.name)
        if matched is not None:
            with contextlib.suppress(FileNotFoundError):
                found.append((path.stat().st_mtime, int(matched.group(1)), path))
    found.sort()
    old = [path for _mtime, _run, path in found[: max(0, len(found) - max(1, keep))]]
    for path in old:
        path.unlink(missing_ok=True)
    return old


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
    logs_kept: int = LOGS_KEPT,
) -> CrawlSummary:
    """Crawl the portal ``portal_id`` of ``config`` (a path or a loaded :class:`Config`) in a child process.

    Documents go to the store at ``database_url`` (migrated to the latest revision first) and ``blobs_dir``; the
    HTTP cache of column pages to ``cache_dir`` (default: ``httpcache`` beside the blob folder). ``time_limit``
    (seconds; default the portal's ``time_limit``) is enforced by killing the child's process group. The child's
    log is appended to ``log_path`` when given, else written to :func:`default_log_path` (and the portal's default
    logs beyond the newest ``logs_kept`` deleted); either way the run's ``log_path`` names it and on a crash its
    last lines are kept in the run's errors. The times the crawl records follow ``clock`` (default: the
    machine's), moving on from its time as the crawl runs.
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
        previous_counts = store.crawl.previous_counts(portal_id)
        run_id = store.crawl.start_run(portal_id, started_at)
        soft_limit, download_timeout = crawl_deadlines(limit, portal.timeout)
        job = CrawlJob(
            run_id=run_id,
            portal=portal,
            bodies=tuple(b for b in loaded.bodies if b.portal == portal_id),
            timezone=loaded.timezone,
            database_url=store.db.url,
            blobs_dir=str(blobs),
            cache_dir=str(cache),
            time_limit=soft_limit,
            download_timeout=download_timeout,
            log_level=log_level,
            clock_offset=offset,
            previous_counts=previous_counts,
        )
        log_file = _absolute(log_path) if log_path else default_log_path(blobs, portal_id, run_id)
        store.crawl.set_log_path(run_id, log_file)
        started = time.monotonic()
        ended, tail, mode = _run_child(job, limit, log_file, append=bool(log_path))
        if not log_path:
            prune_logs(log_file.parent, portal_id, logs_kept)
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
            unreachable_documents=record.unreachable_documents,
            log_path=record.log_path,
            column_counts=record.column_counts,
            system=record.system,
            start=mode,
        )
    finally:
        store.close()


def child_environment() -> dict[str, str]:
    """The environment of a crawl child: this process's, and the child imports this very copy of nianbao,
    installed or not."""
    env = dict(os.environ)
    source = str(Path(crawler.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env["NIANBAO_PARENT_PID"] = str(os.getpid())
    return env


def _start_child(job_file: Path) -> Child:
    """The crawl child of ``job_file``: forked by this process's zygote when one runs (:mod:`crawler.zygote`),
    else started afresh."""
    env = child_environment()
    warm = zygote.current()
    child = warm.spawn(job_file, env, _working_folder()) if warm is not None else None
    if child is not None:
        return child
    return ColdChild([sys.executable, "-m", "crawler.main", "--job", str(job_file)], env)


def _working_folder() -> str:
    try:
        return os.getcwd()
    except OSError:  # removed meanwhile: a cold child would inherit it all the same
        return "/"


def _run_child(job: CrawlJob, limit: float, log_file: Path, *, append: bool) -> tuple[str, str, str]:
    """Run the child, its output copied into ``log_file`` (bounded, see :class:`BoundedLog`); ("0" | exit status |
    "killed", the last lines of its output, "cold" | "warm")."""
    _remove_orphaned_folders()
    with tempfile.TemporaryDirectory(prefix=_JOB_FOLDER_PREFIX) as folder:
        (Path(folder) / _PARENT_FILE).write_text(str(os.getpid()), encoding="ascii")
        job_file = Path(folder) / "job.json"
        job_file.write_text(job.to_json(), encoding="utf-8")
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "ab" if append else "wb") as sink:
            log = BoundedLog(sink)
            child = _start_child(job_file)
            pump = threading.Thread(target=log.copy, args=(child.output,), name="crawl-log", daemon=True)
            pump.start()
            status = child.wait(limit)
            if status is None:
                child.kill()  # its whole process group
                status = "killed"
            pump.join(_PUMP_GRACE)
            log.finish()
            if not pump.is_alive():  # else something the child started still holds the pipe: the pump ends with it
                child.output.close()
        return status, log.tail(), child.mode


class BoundedLog:
    """A log file that keeps at most ``max_bytes`` of what is written to it: the first ``max_bytes - end_bytes``
    go to the file as they come, then only the latest ``end_bytes`` are held; :meth:`finish` writes those after a
    line saying how many bytes were cut. Thread-safe: a pump thread writes while the crawl is awaited."""

    def __init__(self, sink: BinaryIO, max_bytes: int = LOG_MAX_BYTES, end_bytes: int = LOG_END_BYTES) -> None:
        self.sink = sink
        self.max_bytes = max_bytes
        self.end_bytes = min(end_bytes, max_bytes)
        self.written = 0
        self.cut = 0
        self._end = bytearray()
        self._recent = b""
        self._lock = threading.Lock()
        self._finished = False

    def write(self, data: bytes) -> None:
        """Take more output."""
        with self._lock:
            if self._finished or not data:
                return
            self._recent = (self._recent + data)[-_LOG_TAIL:]
            room = self.max_bytes - self.end_bytes - self.written
            if room > 0:
                self.sink.write(data[:room])
                self.sink.flush()
                self.written += min(room, len(data))
                data = data[room:]
            if data:
                self._end += data
                excess = len(self._end) - self.end_bytes
                if excess > 0:
                    del self._end[:excess]
                    self.cut += excess

    def copy(self, stream: IO[bytes]) -> None:
        """Copy ``stream`` until it ends (the child closed its output)."""
        with contextlib.suppress(OSError, ValueError):  # closed under us: the crawl is over
            while chunk := os.read(stream.fileno(), 65536):
                self.write(chunk)

    def finish(self) -> None:
        """Write the held end of the output (after the line about the cut, if bytes were cut); later output is
        ignored."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            end = bytes(self._end)
            if self.cut:
                start = end.find(b"\n") + 1  # the end kept starts on a line of its own
                self.cut += start
                end = end[start:]
                kept = self.max_bytes - self.end_bytes
                note = f"\n[nianbao] {self.cut} bytes of this crawl's log were cut here: a log keeps its first {kept} bytes"
                self.sink.write(f"{note} and its last {self.end_bytes}.\n".encode("ascii"))
            self.sink.write(end)
            self.sink.flush()

    def tail(self) -> str:
        """The last lines of the output, cut or not."""
        with self._lock:
            return self._recent.decode("utf-8", "replace")


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


def with_time_limit(config: Config, portal_id: str, seconds: int) -> Config:
    """``config`` with one portal's time limit changed (handy for tests and demos)."""
    portals = tuple(replace(p, time_limit=seconds) if p.id == portal_id else p for p in config.portals)
    return replace(config, portals=portals)
