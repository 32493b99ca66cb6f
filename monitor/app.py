"""The monitor assembled from a configuration file: store, clock and the jobs the service and CLI run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from monitor.clock import Clock, clock_from_env, local_date, reporting_year
from monitor.config import Config, ConfigError, DeploymentConfig, load_any, load_county
from monitor.deadline_sweep import SweepStats, sweep
from monitor.processing import Policy, Processor, ProcessStats, deadline_for, sync
from monitor.store import Store
from monitor.store.db import county_database, database_url
from monitor.store.outbox import add_drafts
from monitor.store.registry import checked_versions, record_event
from monitor.store.settings import COUNTY_ID, RULES_VERSION, SUMMARY_SINCE, TASK_ENGINE, get_setting, set_setting
from monitor.store.status import BodyStatus, body_statuses
from notifications.policy import check_policy, crawl_problem_drafts, deadline_drafts, summary_drafts
from rules.version import rules_version

log = logging.getLogger("nianbao")

DEFAULT_CONFIG = "nianbao.yaml"
#: The county id of a single county's configuration (a deployment names its counties itself).
SINGLE_COUNTY = "county"


def config_path(given: str | None) -> str:
    """The configuration file: ``-c``, else ``NIANBAO_CONFIG``, else ./nianbao.yaml."""
    return given or os.environ.get("NIANBAO_CONFIG") or DEFAULT_CONFIG


def database_beside(database: str | None, base: Path) -> str | None:
    """A configured database URL with a relative SQLite file made relative to the configuration's folder ``base``."""
    if database and database.startswith("sqlite:///") and not database.startswith("sqlite:////"):
        return f"sqlite:///{base / database.removeprefix('sqlite:///')}"
    return database


@dataclass
class App:
    """A configured monitor: what every command and job works with."""

    config: Config
    store: Store
    clock: Clock
    config_file: str = DEFAULT_CONFIG
    policy: Policy | None = field(default=None)
    #: The county's id in its deployment (:data:`SINGLE_COUNTY` for a single county's configuration).
    county: str = SINGLE_COUNTY
    #: Where the work runs (``inprocess`` or ``procrastinate``): the deployment's choice.
    engine: str = "inprocess"

    @property
    def base(self) -> Path:
        """The folder of the configuration file: relative paths in it (var/…) are relative to this."""
        return Path(self.config_file).resolve().parent

    @classmethod
    def load(cls, path: str | None = None, *, county: str | None = None, clock: Clock | None = None, upgrade: bool = True) -> App:
        """Load and validate the configuration, open (and migrate) the store, sync the registry.

        ``path`` is a county's configuration, or a deployment's with ``county`` naming one of its counties (whose
        store is then the county's part of the deployment's database, see :func:`county_database`)."""
        file = config_path(path)
        loaded = load_any(file)
        if isinstance(loaded, DeploymentConfig):
            if county is None:
                known = ", ".join(c.id for c in loaded.counties)
                raise ConfigError(f"{file}: configures a deployment of several counties: name one with --county ({known})")
            return cls.in_deployment(file, loaded, county, clock=clock, upgrade=upgrade)
        return cls.of_county_file(file, loaded, clock=clock, upgrade=upgrade)

    @classmethod
    def of_county_file(cls, file: str, config: Config, *, clock: Clock | None = None, upgrade: bool = True) -> App:
        """The monitor of a single county's configuration (``config``, read from ``file``)."""
        database = database_beside(config.database, Path(file).resolve().parent)
        return cls.open(file, config=config, database=database, clock=clock, upgrade=upgrade)

    @classmethod
    def in_deployment(
        cls, file: str, deployment: DeploymentConfig, county: str, *, clock: Clock | None = None, upgrade: bool = True
    ) -> App:
        """The monitor of one county of the deployment ``deployment`` (read from ``file``), stored in the county's
        part of the deployment's database (see :func:`county_database`)."""
        entry = deployment.county(county)
        config = load_county(file, deployment, county)
        base_url = database_url(database_beside(deployment.database, Path(file).resolve().parent))
        return cls.open(
            entry.config_file, config=config, county=county, database=county_database(base_url, county),
            engine=deployment.tasks.engine, clock=clock, upgrade=upgrade,
        )  # fmt: skip

    @classmethod
    def open(
        cls, file: str, *, config: Config, county: str = SINGLE_COUNTY, database: str | None = None,
        engine: str | None = None, clock: Clock | None = None, upgrade: bool = True,
    ) -> App:  # fmt: skip
        """The monitor of one county's configuration ``file`` on ``database`` (None: the configured default)."""
        base = Path(file).resolve().parent
        blobs = Path(config.blobs) if Path(config.blobs).is_absolute() else base / config.blobs
        store = Store.open(database, blobs)
        if upgrade:
            store.db.upgrade()
        app = cls(config, store, clock or clock_from_env(os.environ.get("NIANBAO_NOW")), file)
        app.county = county
        app.engine = engine or config.tasks.engine
        app.policy = check_policy(config)
        sync(store, config)
        if upgrade:
            if app.engine == "procrastinate":
                from monitor.tasks import ensure_schema

                ensure_schema(store.db)
            # What a crawl child (given only the database) must know to hand its fetched versions to the workers.
            with store.db.transaction() as session:
                set_setting(session, COUNTY_ID, county)
                set_setting(session, TASK_ENGINE, app.engine)
        return app

    def process(self, limit: int = 100, *, ocr: bool | None = None) -> ProcessStats:
        """Check pending document versions (``ocr``: only those needing OCR, or only the others)."""
        return Processor(self.store, self.config, self.clock, self.policy).run(limit, ocr=ocr)

    def reconcile_unreachable(self) -> ProcessStats:
        """D606 findings for listed documents that cannot be opened (and their resolution)."""
        return Processor(self.store, self.config, self.clock, self.policy).reconcile_unreachable()

    def recheck(self, body_id: str | None = None, year: int | None = None) -> ProcessStats:
        """Attribute and check stored documents again (all, or of one body and/or year); after a full re-check the
        store records the rules version it was made with."""
        stats = Processor(self.store, self.config, self.clock, self.policy).recheck(body_id, year)
        with self.store.db.transaction() as session:
            previous = get_setting(session, RULES_VERSION)
            if body_id is None and year is None and not stats.errors:
                set_setting(session, RULES_VERSION, rules_version())
            record_event(
                session, self.clock.now(), "store.rechecked", body=body_id, year=year, rules=rules_version(), previous=previous,
                checked=stats.checked, opened=stats.opened, resolved=stats.resolved, reopened=stats.reopened,
                errors=len(stats.errors),
            )  # fmt: skip
        return stats

    def recheck_if_rules_changed(self) -> ProcessStats | None:
        """Re-check everything stored when the rules changed since the findings were made (after an upgrade);
        None when nothing had to be done. A store with nothing checked yet just records the version."""
        with self.store.db.transaction() as session:
            stored = get_setting(session, RULES_VERSION)
            if stored == rules_version():
                return None
            if stored is None and not checked_versions(session, states=("checked", "failed")):
                set_setting(session, RULES_VERSION, rules_version())
                return None
        log.info("规则已更新（%s → %s），重新检查已保存的报告", stored or "未记录", rules_version())
        return self.recheck()

    def queue_county_summary(self) -> int:
        """Queue the county office's summary of the errors found since the last one (one message per poll)."""
        if not self.config.notifications.county_summary:
            return 0
        now = self.clock.now()
        # Windows [since, until) that follow one another: what this poll found at ``now`` itself is in this one.
        until = now + timedelta(microseconds=1)
        with self.store.db.transaction() as session:
            stored = get_setting(session, SUMMARY_SINCE)
            since = datetime.fromisoformat(stored) if stored else now - timedelta(days=1)
            queued = add_drafts(session, summary_drafts(session, self.config, since, until), now)
            set_setting(session, SUMMARY_SINCE, until.isoformat())
        return queued

    def queue_crawl_problem(self, portal_id: str) -> int:
        """After a crawl of ``portal_id`` was recorded: queue the county office's crawl-problem notice when the
        portal's failing episode calls for one (once per episode; see :func:`crawl_problem_drafts`)."""
        now = self.clock.now()
        with self.store.db.transaction() as session:
            return add_drafts(session, crawl_problem_drafts(session, self.config, portal_id, now), now)

    def sweep(self) -> SweepStats:
        """Run the deadline sweep."""
        return sweep(self.store, self.config, self.clock, policy=self.policy, reminder_policy=deadline_drafts)

    def statuses(self, year: int | None = None) -> list[BodyStatus]:
        """Every body's standing for ``year`` (default: the year whose reports are due now)."""
        today = local_date(self.clock.now(), self.config.timezone)
        year = year or reporting_year(today)
        deadlines = {b.id: deadline_for(self.config, b, year)[0] for b in self.config.bodies}
        with self.store.db.transaction() as session:
            return body_statuses(session, deadlines, year, today, tz=self.config.timezone)

    def close(self) -> None:
        """Release the store."""
        self.store.close()
