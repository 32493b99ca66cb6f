"""A deployment: the counties one service monitors, opened together.

A county's own configuration file (the single-county format) is a deployment of one county, stored as before.
A deployment's file (``counties:``) names several counties, each with its own file; they share one database
(on PostgreSQL each county in a schema of its own, see :func:`monitor.store.db.county_database`), one dashboard
and one task engine. The deployment's own part of the database (its default schema, or its SQLite file) holds
what belongs to no county: dashboard sessions, the scheduler's jobs and lock, the task queue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from monitor.app import SINGLE_COUNTY, App, config_path
from monitor.clock import Clock
from monitor.config import Dashboard, is_deployment_file, load_deployment
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
    digests: Path
    timezone: str
    several: bool = False
    _own_database: bool = field(default=False, repr=False)

    @classmethod
    def load(cls, path: str | None = None, *, clock: Clock | None = None, upgrade: bool = True) -> Deployment:
        """Open every county of the configuration ``path`` (a deployment's or a single county's file)."""
        file = config_path(path)
        if not is_deployment_file(file):
            app = App.load(file, clock=clock, upgrade=upgrade)
            config = app.config
            digests = Path(config.digests) if Path(config.digests).is_absolute() else app.base / config.digests
            return cls(
                config.county_name, file, {SINGLE_COUNTY: app}, app.store.db, config.dashboard, app.engine, digests,
                config.timezone,
            )  # fmt: skip
        deployment = load_deployment(file)
        base = Path(file).resolve().parent
        apps: dict[str, App] = {}
        try:
            for county in deployment.counties:
                apps[county.id] = App.load(file, county=county.id, clock=clock, upgrade=upgrade)
        except BaseException:
            for app in apps.values():
                app.close()
            raise
        database = Database(database_url(App._sqlite_beside(deployment.database, base)))
        if upgrade:
            database.upgrade()  # the deployment's own part: dashboard sessions (the county tables stay empty there)
        digests = Path(deployment.digests) if Path(deployment.digests).is_absolute() else base / deployment.digests
        return cls(
            deployment.name, file, apps, database, deployment.dashboard, deployment.tasks.engine, digests,
            deployment.timezone, several=True, _own_database=True,
        )  # fmt: skip

    def app(self, county: str) -> App:
        """The monitor of one county; KeyError for an unknown id."""
        return self.apps[county]

    def close(self) -> None:
        """Release every county's store and the deployment's database."""
        for app in self.apps.values():
            app.close()
        if self._own_database:
            self.database.dispose()


def deployment_file() -> str:
    """The configuration file the service runs with (``NIANBAO_CONFIG`` or ./nianbao.yaml)."""
    return config_path(os.environ.get("NIANBAO_CONFIG"))
