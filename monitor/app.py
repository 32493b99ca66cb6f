"""The monitor assembled from a configuration file: store, clock and the jobs the service and CLI run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from monitor.clock import Clock, clock_from_env, local_date
from monitor.config import Config, load_config
from monitor.deadline_sweep import SweepStats, sweep
from monitor.processing import Policy, Processor, ProcessStats, deadline_for, sync
from monitor.store import Store
from monitor.store.status import BodyStatus, body_statuses
from notifications.policy import check_policy, deadline_drafts

log = logging.getLogger("nianbao")

DEFAULT_CONFIG = "nianbao.yaml"


def config_path(given: str | None) -> str:
    """The configuration file: ``-c``, else ``NIANBAO_CONFIG``, else ./nianbao.yaml."""
    return given or os.environ.get("NIANBAO_CONFIG") or DEFAULT_CONFIG


@dataclass
class App:
    """A configured monitor: what every command and job works with."""

    config: Config
    store: Store
    clock: Clock
    config_file: str = DEFAULT_CONFIG
    policy: Policy | None = field(default=None)

    @property
    def base(self) -> Path:
        """The folder of the configuration file: relative paths in it (var/…) are relative to this."""
        return Path(self.config_file).resolve().parent

    @classmethod
    def load(cls, path: str | None = None, *, clock: Clock | None = None, upgrade: bool = True) -> App:
        """Load and validate the configuration, open (and migrate) the store, sync the registry."""
        file = config_path(path)
        config = load_config(file)
        base = Path(file).resolve().parent
        blobs = Path(config.blobs) if Path(config.blobs).is_absolute() else base / config.blobs
        database = config.database
        if database and database.startswith("sqlite:///") and not database.startswith("sqlite:////"):
            database = f"sqlite:///{base / database.removeprefix('sqlite:///')}"
        store = Store.open(database, blobs)
        if upgrade:
            store.db.upgrade()
        app = cls(config, store, clock or clock_from_env(os.environ.get("NIANBAO_NOW")), file)
        app.policy = check_policy(config)
        sync(store, config)
        return app

    def process(self, limit: int = 100) -> ProcessStats:
        """Check pending document versions."""
        return Processor(self.store, self.config, self.clock, self.policy).run(limit)

    def sweep(self) -> SweepStats:
        """Run the deadline sweep."""
        return sweep(self.store, self.config, self.clock, policy=self.policy, reminder_policy=deadline_drafts)

    def statuses(self, year: int | None = None) -> list[BodyStatus]:
        """Every body's standing for ``year`` (default: the year whose reports are due now)."""
        today = local_date(self.clock.now(), self.config.timezone)
        year = year or today.year - 1
        deadlines = {b.id: deadline_for(self.config, b, year)[0] for b in self.config.bodies}
        with self.store.db.transaction() as session:
            return body_statuses(session, deadlines, year, today, tz=self.config.timezone)

    def close(self) -> None:
        """Release the store."""
        self.store.close()
