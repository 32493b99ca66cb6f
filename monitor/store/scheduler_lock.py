"""Which ``nianbao serve`` instance schedules: one at a time per database.

Several instances of the service may run against one database (two hosts for availability, a second one started
by mistake). APScheduler 3 keeps its jobs in that database but does not coordinate schedulers: two schedulers
would both run every poll. So an instance schedules only while it holds the **scheduler lock**; the others serve
the dashboard and wait, trying again every few seconds, and take over when the holder stops or dies.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held by a connection of its own. The server
  releases it when that connection ends, however the process ended (SIGKILL, power loss: once the server notices
  the dead connection). The holder checks its connection regularly and stops scheduling if it was lost.
- SQLite (one host by nature): an exclusive ``flock`` on a file beside the database (``<database>.scheduler.lock``),
  released by the kernel when the process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("nianbao.scheduler_lock")

#: Seconds between a waiting instance's attempts, and between the holder's checks of its lock.
RETRY_SECONDS = 5.0
_NAME = "nianbao scheduler"


def lock_key(name: str = _NAME) -> int:
    """The advisory lock's key: a stable signed 64-bit number derived from ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SchedulerLock:
    """The scheduler lock of the database at ``url``: :meth:`acquire` tries once, :meth:`held` tells whether it is
    still held (PostgreSQL: the connection is alive), :meth:`release` lets it go."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.backend = make_url(url).get_backend_name()
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Try to take the lock now; True when this instance holds it."""
        if self.backend == "sqlite":
            return self._acquire_file()
        return self._acquire_advisory()

    def held(self) -> bool:
        """True while the lock is still this instance's."""
        if self.backend == "sqlite":
            return self._file is not None
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            log.warning("调度锁所在的数据库连接已断开：停止调度")
            self._close_connection()
            return False
        return True

    def release(self) -> None:
        """Let the lock go (the next waiting instance takes it)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key()})
            self._close_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _lock_path(self) -> Path:
        database = make_url(self.url).database
        if not database or database == ":memory:":
            raise ValueError("an in-memory SQLite database has no scheduler lock")
        return Path(database).with_name(Path(database).name + ".scheduler.lock")

    def _acquire_file(self) -> bool:
        if self._file is not None:
            return True
        path = self._lock_path()
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def _acquire_advisory(self) -> bool:
        if self._connection is not None:
            return True
        if self._engine is None:
            # One connection of its own, outside the pool the jobs use, kept for as long as the lock is held.
            self._engine = create_engine(self.url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        try:
            connection = self._engine.connect()
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key()}).scalar())
            connection.commit()
        except DBAPIError as exc:
            log.warning("无法连接数据库以取得调度锁：%s", exc.__class__.__name__)
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def _close_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None
