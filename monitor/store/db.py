"""The database: engine, transactions and migrations. SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///var/nianbao.db"
# Alembic keeps its running context in module globals: two threads migrating at once (two crawls of a worker)
# would tear each other's down. One migration at a time per process.
_MIGRATING = threading.Lock()
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(configured: str | None = None) -> str:
    """The database URL: ``NIANBAO_DATABASE_URL`` wins over the configuration, which wins over the default."""
    return os.environ.get("NIANBAO_DATABASE_URL") or configured or DEFAULT_URL


_SCHEMA_OPTION = "-csearch_path="


def county_database(base_url: str, county_id: str) -> str:
    """The database of one county of a deployment whose database is ``base_url``.

    On PostgreSQL a schema of its own in the same database (``nianbao_<id>``, found first on the search path, the
    task engine's tables in ``public`` after it): every table of a county is keyed by it, a session of one county
    cannot read another's, and a process given this URL (a crawl child, a worker) works in that county alone.
    On SQLite a file of its own beside the deployment's (``<name>.<id>.db``)."""
    url = make_url(base_url)
    if url.get_backend_name() == "postgresql":
        schema = "nianbao_" + county_id.replace("-", "_")
        return url.update_query_dict({"options": f"{_SCHEMA_OPTION}{schema},public"}).render_as_string(hide_password=False)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        suffix = path.suffix or ".db"
        return f"sqlite:///{path.with_name(f'{path.stem}.{county_id}{suffix}')}"
    raise ValueError(
        f"{base_url.rsplit('@', maxsplit=1)[-1]}: a deployment of several counties needs PostgreSQL or a SQLite file"
    )


def schema_of(url: str) -> str | None:
    """The county schema a database URL works in (see :func:`county_database`), or None."""
    options = make_url(url).query.get("options")
    text = options if isinstance(options, str) else None
    if text is None or not text.startswith(_SCHEMA_OPTION):
        return None
    return text.removeprefix(_SCHEMA_OPTION).split(",")[0]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (dashboard) do not block the writer (service)
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite gets WAL and foreign keys."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# The counties of a deployment on PostgreSQL share one connection pool per process (a worker serves them all: a pool
# per county would hold a connection per county and exhaust the server's max_connections); each transaction of a
# county sets its search path first. Engines by base URL, with how many county Databases use each.
_SHARED: dict[str, tuple[Engine, int]] = {}
_SHARED_LOCK = threading.Lock()


def _shared_engine(base_url: str) -> Engine:
    with _SHARED_LOCK:
        engine, users = _SHARED.get(base_url) or (make_engine(base_url), 0)
        _SHARED[base_url] = (engine, users + 1)
        return engine


def _release_shared(base_url: str) -> None:
    with _SHARED_LOCK:
        engine, users = _SHARED[base_url]
        if users > 1:
            _SHARED[base_url] = (engine, users - 1)
            return
        del _SHARED[base_url]
    engine.dispose()


class Database:
    """An engine and its session factory. Use :meth:`transaction` for every unit of work.

    A county's database of a deployment (a URL made by :func:`county_database`) uses the pool shared by the
    deployment's counties in this process, and every transaction starts by setting the county's search path."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schema = schema_of(url)
        self._base_url: str | None = None
        if self.schema is None:
            self.engine = make_engine(url)
        else:
            self._base_url = make_url(url).difference_update_query(["options"]).render_as_string(hide_password=False)
            self.engine = _shared_engine(self._base_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.schema is not None:
            event.listen(self._sessions, "after_begin", self._set_search_path)

    def _set_search_path(self, _session: Session, _transaction: Any, connection: Any) -> None:
        connection.exec_driver_sql(f'SET LOCAL search_path TO "{self.schema}", public')

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together at the end, or rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def alembic_config(self) -> Config:
        """Alembic's configuration for this database (the migrations ship inside the package)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        if self.schema is None:
            config.attributes["engine"] = self.engine  # else env.py connects by the URL: its search path is the county's
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the database to ``revision`` (creating it, and a county's schema, when empty)."""
        schema = schema_of(self.url)
        with _MIGRATING, self._migration_lock():
            if schema is not None:
                with self.engine.begin() as connection:
                    connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            command.upgrade(self.alembic_config(), revision)

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """On PostgreSQL, one migrating process at a time (a service and its workers starting together): a session
        advisory lock on a connection of its own, held while the migration runs on another."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_advisory_lock(7400230402)")
            try:
                yield
            finally:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(7400230402)")
                connection.commit()

    def revision(self) -> str | None:
        """The migration the database is at, or None for an empty database."""
        with self.engine.begin() as connection:
            if self.schema is not None:
                connection.exec_driver_sql(f'SET LOCAL search_path TO "{self.schema}", public')
            if not inspect(connection).has_table("alembic_version", schema=self.schema):
                return None
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return str(row[0]) if row else None

    def dispose(self) -> None:
        """Close the connections (of a county: give back its share of the deployment's pool)."""
        if self._base_url is None:
            self.engine.dispose()
        elif self._base_url in _SHARED:
            _release_shared(self._base_url)
            self._base_url = None
