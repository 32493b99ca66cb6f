"""A deployment: the counties one service monitors, opened together.

A county's own configuration file (the single-county format) is a deployment of one county, stored as before.
A deployment's file (``counties:``) names several counties, each with its own file; they share one database
(on PostgreSQL each county in a schema of its own, see :func:`monitor.store.db.county_database`), one dashboard
and one task engine. The deployment's own part of the database (its default schema, or its SQLite file) holds
what belongs to no county: dashboard sessions, the scheduler's jobs and lock, the task queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.app import SINGLE_COUNTY, App, config_path, database_beside
from monitor.clock import Clock
from monitor.config import Config, Dashboard, load_any
from monitor.store.db import Database, database_url


@dataclass
class Deployment:
    """Every county of a configuration, opened: ``apps`` by county id, in the configured order."""

    name: str
    config_file: str
    apps: dict[str, App]
    database: Database
    dashboard: Dashboard
    engine: str
    timezone: str
    #: A deployment's file of several counties (then ``database`` is the deployment's own, opened here).
    several: bool = False

    @classmethod
    def load(cls, path: str | None = None, *, clock: Clock | None = None, upgrade: bool = True) -> Deployment:
        """Open every county of the configuration ``path`` (a deployment's or a single county's file)."""
        file = config_path(path)
        loaded = load_any(file)
        if isinstance(loaded, Config):
            app = App.of_county_file(file, loaded, clock=clock, upgrade=upgrade)
            return cls(
                loaded.county_name, file, {SINGLE_COUNTY: app}, app.store.db, loaded.dashboard, app.engine, loaded.timezone
            )
        apps = {}
        try:
            for county in loaded.counties:
                apps[county.id] = App.in_deployment(file, loaded, county.id, clock=clock, upgrade=upgrade)
        except BaseException:
            for app in apps.values():
                app.close()
            raise
        database = Database(database_url(database_beside(loaded.database, Path(file).resolve().parent)))
        if upgrade:
            database.upgrade()  # the deployment's own part: dashboard sessions (the county tables stay empty there)
        return cls(loaded.name, file, apps, database, loaded.dashboard, loaded.tasks.engine, loaded.timezone, several=True)

    def app(self, county: str) -> App:
        """The monitor of one county; KeyError for an unknown id."""
        return self.apps[county]

    def close(self) -> None:
        """Release every county's store and the deployment's database."""
        for app in self.apps.values():
            app.close()
        if self.several:
            self.database.dispose()
