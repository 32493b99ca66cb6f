"""What one crawl child is told to do: the portal, the bodies, where to store, its time limit. JSON on disk.

The parent (:func:`crawler.run.crawl_portal`) writes it, the child (``python -m crawler.main --job FILE``) reads
it: the child needs neither the configuration file nor the parent's objects.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from monitor.config import Body, Portal

T = TypeVar("T", Portal, Body)


@dataclass(frozen=True)
class CrawlJob:
    """One crawl of one portal, already registered as crawl run ``run_id``."""

    run_id: int
    portal: Portal
    bodies: tuple[Body, ...]
    timezone: str
    database_url: str
    blobs_dir: str
    cache_dir: str
    time_limit: float
    log_level: str = "INFO"
    #: Seconds added to the machine's clock: the crawl runs on the monitor's clock (an injected one in the demo
    #: and in tests), so the times it records — first seen, fetched, the run's start and end — agree with it.
    clock_offset: float = 0.0
    #: Seconds one download may take: the portal's ``timeout``, shortened when the time limit is too short to
    #: wait for it (see :func:`crawler.settings.crawl_deadlines`). None: the portal's.
    download_timeout: float | None = None
    #: Report entries the previous finished run of the portal listed under each configured column (column URL →
    #: count): a column that lists none now where there were many is a crawl problem (:mod:`crawler.health`).
    previous_counts: dict[str, int] = field(default_factory=dict)

    def configured_urls(self) -> list[str]:
        """The URLs the configuration names for this portal: its start URLs, then its bodies' columns."""
        columns = [b.column for b in self.bodies if b.portal == self.portal.id and b.column]
        return [*self.portal.start_urls, *columns]

    def timeout(self) -> float:
        """Seconds one download may take in this crawl."""
        return self.download_timeout if self.download_timeout is not None else float(self.portal.timeout)

    def now(self) -> datetime:
        """The current time on the monitor's clock (aware, UTC)."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def to_json(self) -> str:
        """The job as JSON."""
        data = asdict(self)
        data["portal"]["selectors"] = dict(self.portal.selectors)
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> CrawlJob:
        """The job written by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            run_id=int(data["run_id"]),
            portal=_rebuild(Portal, data["portal"]),
            bodies=tuple(_rebuild(Body, item) for item in data["bodies"]),
            timezone=str(data["timezone"]),
            database_url=str(data["database_url"]),
            blobs_dir=str(data["blobs_dir"]),
            cache_dir=str(data["cache_dir"]),
            time_limit=float(data["time_limit"]),
            log_level=str(data.get("log_level", "INFO")),
            clock_offset=float(data.get("clock_offset", 0.0)),
            download_timeout=None if data.get("download_timeout") is None else float(data["download_timeout"]),
            previous_counts={str(url): int(n) for url, n in (data.get("previous_counts") or {}).items()},
        )


def _rebuild(kind: type[T], data: dict[str, Any]) -> T:
    """A frozen configuration dataclass from its ``asdict`` form (JSON lists back to tuples)."""
    values: dict[str, Any] = {}
    for item in fields(kind):
        if item.name in data:
            value = data[item.name]
            values[item.name] = tuple(value) if isinstance(value, list) else value
    return kind(**values)
