"""A private PostgreSQL server for the tests: Debian's binaries, a temporary cluster on 127.0.0.1, stopped after."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: run `make test` (it installs Debian's postgresql) or apt-get install postgresql"
        )
    return Path(found[-1]).parent


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so the server runs as the package's postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throw-away cluster and yield a SQLAlchemy URL of an empty database on it."""
    bin_dir = _binaries()
    root = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
    data = root / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    try:
        subprocess.run(
            _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "-o",
                    f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 30
        while True:
            created = subprocess.run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "nianbao_test"],
                capture_output=True,
                check=False,
            )
            if created.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/nianbao_test"
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True, check=False
        )
        shutil.rmtree(root, ignore_errors=True)


def reset_database(url: str) -> None:
    """Drop and recreate the public schema (a clean database for the next test)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
